/**
 * The live facts deploy needs from a host before it changes anything, read
 * with ONE command per host: memory, whether m1's data directory holds a
 * cluster, whether m1's Postgres answers (and if so: in recovery? streaming
 * from whom?), the conf.d files as they are (to plan reloads and restarts up
 * front), and, when the server package is missing, whether the host's
 * package sources have it at all.
 */
import type { PostgresVersion } from '../../src/inventory/cluster.js';
import { quote } from '../../src/engine/index.js';
import { CONF_FILES } from '../../src/products/postgres/settings.js';
import { CONF_D, DATA_DIR, SOCKET_DIR, POSTGRES_PORT, binDir } from '../../src/products/postgres/layout.js';

/** The conf.d files whose settings decide between nothing, reload and restart. */
export const PLANNED_CONF_FILES = [CONF_FILES.reload, CONF_FILES.restart, CONF_FILES.custom] as const;

export interface GatherOptions {
  version: PostgresVersion;
  /** Ask the package sources about postgresql-<V> when it is not installed (Postgres hosts only). */
  checkPackageSource: boolean;
}

/** psql as postgres on m1's socket; prints one `|`-separated row. */
const LIVE_SQL =
  "SELECT current_setting('data_directory'), pg_is_in_recovery(), " +
  "coalesce((SELECT sender_host FROM pg_stat_wal_receiver WHERE sender_host IS NOT NULL LIMIT 1), " +
  // repmgr writes host='name' in primary_conninfo: the value without its quotes.
  "substring(current_setting('primary_conninfo', true) from 'host=''?([^'' ]+)'), ''), " +
  "coalesce((SELECT timeline_id::text FROM pg_control_checkpoint()), ''), " +
  "(SELECT system_identifier::text FROM pg_control_system()), " +
  "extract(epoch from pg_postmaster_start_time())::bigint";

export function buildGatherCommand(o: GatherOptions): string {
  const pkg = `postgresql-${o.version}`;
  const lines = [
    `echo "m1:mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"`,
    `[ -f ${DATA_DIR}/PG_VERSION ] && echo "m1:pgdata=$(cat ${DATA_DIR}/PG_VERSION)"`,
    `echo "m1:pkg=$(dpkg-query -W -f='\${db:Status-Abbrev}\${Version}' ${pkg} 2>/dev/null | sed -n 's/^ii *//p')"`,
  ];
  if (o.checkPackageSource) {
    lines.push(
      `if ! dpkg-query -W -f='\${db:Status-Abbrev}' ${pkg} 2>/dev/null | grep -q '^ii'; then`,
      // No package lists at all (fresh image): fetch them, as the install would.
      `  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1;`,
      `  echo "m1:candidate=$(apt-cache policy ${pkg} 2>/dev/null | awk '/Candidate:/ { print $2 }')";`,
      'fi',
    );
  }
  lines.push(
    // The versioned psql: /usr/bin/psql is Debian's pg_wrapper, a Perl script that costs ~50 ms.
    `if [ -S ${SOCKET_DIR}/.s.PGSQL.${POSTGRES_PORT} ] && [ -x ${binDir(o.version)}/psql ]; then`,
    `  echo "m1:pg=$(cd / && runuser -u postgres -- ${binDir(o.version)}/psql -XAtq -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d postgres -F '|' -c ${quote(LIVE_SQL)} 2>/dev/null)";`,
    'fi',
  );
  for (const f of PLANNED_CONF_FILES) {
    lines.push(`[ -f ${CONF_D}/${f} ] && echo "m1:conf:${f}=$(base64 -w0 < ${CONF_D}/${f})"`);
  }
  // The last check's status must not fail the whole read.
  lines.push('true');
  return lines.join('\n');
}

export interface GatheredHost {
  memoryMb: number;
  /** PG_VERSION of m1's data directory, when it holds a cluster. */
  dataDirVersion?: string;
  /** Installed version of postgresql-<V>, when installed. */
  serverPackage?: string;
  /** apt's candidate for postgresql-<V> when not installed: '' or '(none)' means the sources lack it. */
  candidate?: string;
  /** m1's Postgres answers on its socket. */
  running: boolean;
  inRecovery?: boolean;
  /** sender_host of the WAL receiver (or primary_conninfo's host): a name or an address. */
  upstreamHost?: string;
  timeline?: number;
  systemIdentifier?: string;
  postmasterStart?: number;
  /** The conf.d files as they are, by file name (absent files are missing). */
  confFiles: Record<string, string>;
}

export function parseGather(stdout: string): GatheredHost {
  const out: GatheredHost = { memoryMb: 0, running: false, confFiles: {} };
  for (const line of stdout.split('\n')) {
    const m = /^m1:([a-z]+)(?::([^=]+))?=(.*)$/.exec(line);
    if (!m) continue;
    const [, key, sub, value = ''] = m;
    switch (key) {
      case 'mem':
        out.memoryMb = Number(value) || 0;
        break;
      case 'pgdata':
        if (value.trim()) out.dataDirVersion = value.trim();
        break;
      case 'pkg':
        if (value.trim()) out.serverPackage = value.trim();
        break;
      case 'candidate':
        out.candidate = value.trim();
        break;
      case 'pg': {
        const f = value.split('|');
        // Only m1's own server counts (a package's default cluster may answer on the same port).
        if (f.length >= 6 && f[0] === DATA_DIR) {
          out.running = true;
          out.inRecovery = f[1] === 't';
          if (f[2]) out.upstreamHost = f[2];
          if (f[3]) out.timeline = Number(f[3]);
          if (f[4]) out.systemIdentifier = f[4];
          if (f[5]) out.postmasterStart = Number(f[5]);
        }
        break;
      }
      case 'conf':
        if (sub) out.confFiles[sub] = Buffer.from(value, 'base64').toString('utf8');
        break;
    }
  }
  return out;
}
