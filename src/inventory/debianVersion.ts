/**
 * Debian package versions ([epoch:]upstream[-revision]) compared as dpkg
 * compares them (deb-version(7)): epochs as numbers, then the upstream part,
 * then the revision, each by dpkg's rule: runs of non-digits compared
 * character by character (`~` before everything, even the end; letters before
 * other characters), runs of digits as numbers. A string comparison gets
 * 15.9 vs 15.10 wrong, and "1.0~rc1" (before 1.0) too. Pure.
 */

/** A Debian version as dpkg accepts it: digits first in the upstream part, no spaces. */
export const DEBIAN_VERSION = /^(\d+:)?\d[A-Za-z0-9.+~:-]*$/;

interface Parts {
  epoch: number;
  upstream: string;
  revision: string;
}

function parts(v: string): Parts {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** dpkg's weight of one character in a non-digit run: ~ lowest, the end next, then letters, then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** dpkg's verrevcmp: negative, 0 or positive. */
function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // The non-digit run.
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = i < a.length && !isDigit(a[i]) ? order(a[i]) : 0;
      const bc = j < b.length && !isDigit(b[j]) ? order(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    // The digit run, as a number (leading zeros ignored).
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

/** Negative when a < b, 0 when equal, positive when a > b, as `dpkg --compare-versions` says. */
export function compareDebianVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareParts(x.upstream, y.upstream) || compareParts(x.revision, y.revision);
}

/** The newest of some versions (undefined for none). */
export function newestVersion(versions: readonly string[]): string | undefined {
  return versions.reduce<string | undefined>((best, v) => (best === undefined || compareDebianVersions(v, best) > 0 ? v : best), undefined);
}

/**
 * What a PostgreSQL package version (Debian's or PGDG's: 15.20-0+deb12u1,
 * 15.20-1.pgdg120+1) runs as: its major version and server_version_num
 * (major * 10000 + minor, PostgreSQL 10 and later). Undefined for a version
 * that is not major.minor (a beta, 16~beta1).
 */
export function postgresPackageRelease(version: string): { major: number; minor: number; versionNum: number } | undefined {
  const { upstream } = parts(version);
  const m = /^(\d+)\.(\d+)(?:$|[^0-9~])/.exec(upstream);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 10) return undefined;
  return { major, minor, versionNum: major * 10000 + minor };
}
