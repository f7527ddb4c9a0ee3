/**
 * A repmgr cluster for operate tests, and what its hosts say to the probe
 * reading (in src/live's line format, run through parseProbe), for a given
 * live topology.
 */
import type { Cluster } from '../../../src/inventory/cluster.js';
import { parseProbe, unreachableProbe, type HostProbe } from '../../../playbooks/operate/probe/parse.js';
import { probeSpec } from '../../../playbooks/operate/probe/spec.js';
import { testCluster } from '../../support/testCluster.js';

/** a: primary + pgbouncer; b, c: replicas of a + pgbouncer; d: cascaded from b; e: barman + witness. */
export function fiveNodes(): Cluster {
  return testCluster({
    name: 'op',
    instances: [
      { name: 'op-a', roles: ['primary', 'pgbouncer'], backup: 'op-e' },
      { name: 'op-b', roles: ['replica', 'pgbouncer'], upstream: 'op-a' },
      { name: 'op-c', roles: ['replica', 'pgbouncer'], upstream: 'op-a' },
      { name: 'op-d', roles: ['replica'], upstream: 'op-b' },
      { name: 'op-e', roles: ['barman', 'log-server', 'witness'], upstream: 'op-a' },
    ],
  });
}

export interface LiveSpec {
  primary: string;
  /** replica -> upstream */
  upstreams: Record<string, string>;
  /** Hosts whose Postgres is stopped. */
  stopped?: string[];
  /** Hosts that do not answer over SSH. */
  unreachable?: string[];
  /** Bytes each replica is behind (replay). */
  lag?: Record<string, number>;
  /** Whom repmgr records as primary (default: the live one). */
  repmgrPrimary?: string;
  /** Where PgBouncer's databases file points (default: the primary). */
  pgbouncerTarget?: string;
  /** What Barman's conf backs up (default: the primary). */
  barmanTarget?: string;
  barmanCheckFails?: string;
  /** Extra primaries (split brain). */
  alsoPrimary?: string[];
  /** Hosts whose WAL receiver is not running. */
  notStreaming?: string[];
  /** Primaries that refuse writes (default_transaction_read_only on: fenced). */
  fenced?: string[];
  /** The primary's synchronous_standby_names (default: none). */
  synchronousStandbys?: string;
  /** Nodes whose repmgrd is paused (repmgr service pause). */
  paused?: string[];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const lsn = (n: number) => `${Math.floor(n / 2 ** 32).toString(16).toUpperCase()}/${(n % 2 ** 32).toString(16).toUpperCase()}`;
const BASE = 0x5000000 + 0x28;

export function probeTexts(c: Cluster, live: LiveSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const names = c.instances.map((i) => i.name);
  const idOf = (n: string) => c.instances.find((i) => i.name === n)!.node;
  const repmgrPrimary = live.repmgrPrimary ?? live.primary;
  for (const i of c.instances) {
    const spec = probeSpec(c, i);
    const lines: string[] = [];
    const stopped = live.stopped?.includes(i.name) ?? false;
    lines.push(`m1:svc=${spec.units.map((u) => (u === 'postgres' && stopped ? 'inactive' : 'active')).join(',')}`);
    if (spec.postgres) {
      if (stopped) lines.push('m1:pgerr=no server socket');
      else {
        const isPrimary = i.name === live.primary || (live.alsoPrimary ?? []).includes(i.name);
        const witness = i.roles.includes('witness') && !i.roles.includes('replica');
        const behind = live.lag?.[i.name] ?? 0;
        if (isPrimary || witness) {
          lines.push(`m1:pg=/opt/postgres/data|false|${lsn(BASE)}|||2|2|7000|${i.name}||1796400361|${live.fenced?.includes(i.name) ? 'on' : 'off'}|${live.synchronousStandbys ?? ''}`);
        } else {
          const up = live.upstreams[i.name]!;
          lines.push(`m1:pg=/opt/postgres/data|true||${lsn(BASE - behind)}|${lsn(BASE - behind)}|2|1|7000|${i.name}|${up}`);
          if (!live.notStreaming?.includes(i.name)) lines.push(`m1:rcv=streaming|${up}|2|${lsn(BASE - behind)}|repmgr_slot_${i.node}`);
        }
        if (i.name === live.primary) {
          for (const [r, up] of Object.entries(live.upstreams)) if (up === i.name) lines.push(`m1:rep=${r}|10.0.0.${idOf(r)}/32|streaming|${lsn(BASE)}|${lsn(BASE)}|async`);
          lines.push(`m1:slot=backup_op_e|physical|true|${lsn(BASE)}`);
        }
      }
      if (spec.repmgr && !stopped) {
        for (const n of names.filter((x) => c.instances.find((y) => y.name === x)!.roles.some((r) => ['primary', 'replica', 'witness'].includes(r)))) {
          const inst = c.instances.find((y) => y.name === n)!;
          const type = n === repmgrPrimary ? 'primary' : inst.roles.includes('witness') ? 'witness' : 'standby';
          const up = type === 'primary' ? '' : type === 'witness' ? String(idOf(repmgrPrimary)) : String(idOf(live.upstreams[n] ?? repmgrPrimary));
          lines.push(`m1:rnode=${inst.node}|${n}|${type}|${up}|true`);
        }
        lines.push(`m1:repmgrd=true|${live.paused?.includes(i.name) ? 'true' : 'false'}`);
        for (const n of names.filter((x) => probeSpec(c, c.instances.find((y) => y.name === x)!).postgres)) {
          const down = live.stopped?.includes(n) || live.unreachable?.includes(n);
          lines.push(`m1:rshow=${idOf(n)},${down ? -1 : 0},${n === live.primary ? 0 : 1}`);
        }
      }
      lines.push('m1:pgdata=15');
    }
    if (spec.pgbouncer) lines.push(`m1:pgbdb=${b64(`; x\n* = host=${live.pgbouncerTarget ?? live.primary} port=5432 auth_user=pgbouncer_auth_user\n`)}`);
    for (const s of spec.barmanServers) {
      const target = live.barmanTarget ?? live.primary;
      lines.push(`m1:bconf:${s}=${b64(`[${s}]\nconninfo = host=${target} port=5432 dbname=postgres user=barman\n`)}`);
      lines.push(`m1:bbackup:${s}=20260101T000000|DONE|2026-01-01 00:00:10+00:00|1|000000010000000000000002`);
      const check = live.barmanCheckFails ? `Server ${s}:\n\tPostgreSQL: OK\n\t${live.barmanCheckFails}: FAILED (broken)\n` : `Server ${s}:\n\tPostgreSQL: OK\n`;
      lines.push(`m1:bcheck:${s}=${live.barmanCheckFails ? 1 : 0}:${b64(check)}`);
    }
    out[i.name] = lines.join('\n') + '\n';
  }
  return out;
}

export function probesFor(c: Cluster, live: LiveSpec): Record<string, HostProbe> {
  const texts = probeTexts(c, live);
  const out: Record<string, HostProbe> = {};
  for (const i of c.instances) {
    out[i.name] = live.unreachable?.includes(i.name) ? unreachableProbe(i.name, 'timed out after 5 s connecting to 10.0.0.1:22') : parseProbe(probeSpec(c, i), texts[i.name]!);
  }
  return out;
}

export const HEALTHY: LiveSpec = { primary: 'op-a', upstreams: { 'op-b': 'op-a', 'op-c': 'op-a', 'op-d': 'op-b' } };

export const ADDRESSES: Record<string, string> = {};
