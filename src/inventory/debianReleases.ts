/**
 * What each Debian release's own archive carries, as data: m1 installs from
 * the hosts' archive, so the release decides the PostgreSQL major version
 * (one per release) and the versions of everything around it. Checked with
 * `apt-cache policy postgresql-<V>` on each release (December 2026).
 */
import { DEBIAN_RELEASES, type DebianVersion, type PostgresVersion } from './cluster.js';

export interface DebianRelease {
  postgres: PostgresVersion;
}

/** The README's "Debian releases" lists the other packages' versions (repmgr, Barman, Patroni, ...). */
export const DEBIAN_ARCHIVE: Readonly<Record<DebianVersion, DebianRelease>> = {
  11: { postgres: 13 },
  12: { postgres: 15 },
  13: { postgres: 17 },
};

export const describeRelease = (os: DebianVersion) => `Debian ${os} (${DEBIAN_RELEASES[os]})`;

/** The PostgreSQL major version the release's archive carries. */
export function releasePostgres(os: DebianVersion): PostgresVersion {
  return DEBIAN_ARCHIVE[os].postgres;
}

/** Why `version` cannot come from the release's archive, naming what it has; undefined when it can. */
export function releaseLacks(os: DebianVersion, version: PostgresVersion): string | undefined {
  const has = releasePostgres(os);
  if (version === has) return undefined;
  const others = (Object.keys(DEBIAN_ARCHIVE) as unknown as DebianVersion[])
    .map(Number)
    .filter((o) => DEBIAN_ARCHIVE[o as DebianVersion].postgres === version) as DebianVersion[];
  return (
    `${describeRelease(os)} ships PostgreSQL ${has} only, not ${version}` +
    (others.length > 0 ? ` (${others.map(describeRelease).join(', ')} ships ${version})` : '')
  );
}

/** "Debian 11: 13, Debian 12: 15, Debian 13: 17" for messages. */
export function releasePostgresList(): string {
  return (Object.keys(DEBIAN_ARCHIVE) as unknown as DebianVersion[]).map((o) => `Debian ${o}: ${DEBIAN_ARCHIVE[o].postgres}`).join(', ');
}
