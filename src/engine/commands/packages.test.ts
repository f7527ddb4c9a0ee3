import { describe, expect, it } from 'vitest';
import { LocalConnector } from '../connectors/local.js';
import { buildAptInstall, buildPackageQuery, parsePackageQuery } from './packages.js';

describe('package commands', () => {
  it('queries dpkg for installed packages (this machine is Debian)', async () => {
    const sh = new LocalConnector();
    const r = await sh.run(buildPackageQuery());
    await sh.close();
    expect(r.code).toBe(0);
    const pkgs = parsePackageQuery(r.stdout);
    expect(pkgs.get('dpkg')).toMatch(/^\d/);
    expect(pkgs.size).toBeGreaterThan(50);
  });
  it('keeps only fully installed packages', () => {
    const out = 'a\t1.0\tii \nb\t2.0\trc \nc\t\tun \nd\t3:1.2-1\tii \n';
    expect([...parsePackageQuery(out)]).toEqual([['a', '1.0'], ['d', '3:1.2-1']]);
  });
  it('installs all packages in one non-interactive call, updating stale lists first', () => {
    const cmd = buildAptInstall(['postgresql-15', 'barman', 'libpq5:amd64']);
    expect(cmd).toMatch(/-mmin -60 \| grep -q \. \|\| apt-get .* update; \} && apt-get /);
    expect(cmd).toMatch(/-y .*--force-confold .*--no-install-recommends install -- postgresql-15 barman libpq5:amd64$/);
    expect(cmd.match(/ install /g)).toHaveLength(1);
  });
  it('rejects names that are not package names', () => {
    expect(() => buildAptInstall(['x; rm -rf /'])).toThrow(/not a Debian package name/);
    expect(() => buildAptInstall([])).toThrow();
  });
});
