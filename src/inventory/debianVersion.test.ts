import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEBIAN_VERSION, compareDebianVersions, newestVersion, postgresPackageRelease } from './debianVersion.js';

const sign = (n: number) => Math.sign(n);

describe('compareDebianVersions', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['15.18-0+deb12u1', '15.20-0+deb12u1', -1],
    ['15.9-0+deb12u1', '15.10-0+deb12u1', -1],
    ['15.20-0+deb12u1', '15.20-0+deb12u1', 0],
    ['15.20-0+deb12u2', '15.20-0+deb12u1', 1],
    ['15.20-0+deb12u1', '15.20-1.pgdg120+1', -1],
    ['1.0~rc1-1', '1.0-1', -1],
    ['1.0-1', '1.0+b1-1', -1],
    ['1:1.0-1', '2.0-1', 1],
    ['248+deb12u1', '248+deb12u2', -1],
    ['1.0a', '1.0+', -1],
    ['1.0', '1.0-0', 0],
    ['1.01', '1.1', 0],
    ['13.22-0+deb11u1', '15.18-0+deb12u1', -1],
  ];
  it.each(cases)('%s vs %s: %d', (a, b, want) => {
    expect(sign(compareDebianVersions(a, b))).toBe(want);
    expect(sign(compareDebianVersions(b, a))).toBe(-want || 0);
  });

  // Where dpkg is at hand (Debian CI), it is the judge.
  const dpkg = (() => {
    try {
      execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!dpkg)('agrees with dpkg --compare-versions', () => {
    for (const [a, b] of cases) {
      const lt = (() => {
        try {
          execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
          return true;
        } catch {
          return false;
        }
      })();
      expect(compareDebianVersions(a, b) < 0, `${a} < ${b}`).toBe(lt);
    }
  });
});

describe('newestVersion', () => {
  it('is the greatest by dpkg order, not by text', () => {
    expect(newestVersion(['15.9-0+deb12u1', '15.18-0+deb12u1', '15.10-0+deb12u1'])).toBe('15.18-0+deb12u1');
    expect(newestVersion([])).toBeUndefined();
  });
});

describe('postgresPackageRelease', () => {
  it("is the server_version_num the package's server runs as", () => {
    expect(postgresPackageRelease('15.20-0+deb12u1')).toEqual({ major: 15, minor: 20, versionNum: 150020 });
    expect(postgresPackageRelease('13.22-0+deb11u1')?.versionNum).toBe(130022);
    expect(postgresPackageRelease('17.2-1.pgdg120+1')?.versionNum).toBe(170002);
    expect(postgresPackageRelease('16~beta1-1')).toBeUndefined();
  });
});

describe('DEBIAN_VERSION', () => {
  it('takes package versions and refuses what is none', () => {
    expect(DEBIAN_VERSION.test('15.20-0+deb12u1')).toBe(true);
    expect(DEBIAN_VERSION.test('1:2.0-1')).toBe(true);
    expect(DEBIAN_VERSION.test('15.20; rm -rf /')).toBe(false);
    expect(DEBIAN_VERSION.test('latest')).toBe(false);
  });
});
