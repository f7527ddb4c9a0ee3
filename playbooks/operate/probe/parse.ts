/**
 * What one host said to buildProbeCommand(), as data. Parsing never throws:
 * what a host could not tell is left undefined (and said in `errors`).
 */
import { HostError } from '../../../src/errors.js';
import { DATA_DIR } from '../../../src/products/postgres/layout.js';
import { parseClusterJson, parseSelfJson, type PatroniClusterStatus, type PatroniSelfStatus } from '../../../src/products/patroni/clusterStatus.js';
import { parseClusterStatusJson, type EfmClusterStatus } from '../../../src/products/efm/commands/clusterStatus.js';
import { databasesTarget } from '../../../src/products/pgbouncer/databases.js';
import { serverConfTarget } from '../../../src/products/barman/serverConf.js';
import type { ProbeSpec } from './spec.js';
import { lastLines } from '../../../src/engine/text/tail.js';
import type { RepmgrProbe } from '../../../src/products/repmgr/probe.js';

export type { RepmgrProbe } from '../../../src/products/repmgr/probe.js';

export interface PgNode {
  inRecovery: boolean;
  /** pg_current_wal_lsn() on a primary. */
  currentLsn?: string;
  receiveLsn?: string;
  replayLsn?: string;
  timeline?: number;
  checkpointTimeline?: number;
  systemIdentifier?: string;
  clusterName?: string;
  /** host= of primary_conninfo (a replica whose receiver is not running still names it). */
  conninfoHost?: string;
}

export interface WalReceiver {
  status: string;
  senderHost?: string;
  timeline?: number;
  flushedLsn?: string;
  slot?: string;
}

export interface ReplicationRow {
  applicationName: string;
  clientAddr?: string;
  state: string;
  sentLsn?: string;
  replayLsn?: string;
  syncState?: string;
}

export interface SlotRow {
  name: string;
  type: string;
  active: boolean;
  restartLsn?: string;
}

export interface BarmanBackup {
  id: string;
  status: string;
  endTime?: string;
  timeline?: number;
  beginWal?: string;
}

export interface BarmanCheck {
  ok: boolean;
  /** `name: FAILED (detail)` lines, as Barman printed them. */
  failed: string[];
  output: string;
}

export interface BarmanServerProbe {
  /** The host the server conf backs up (host= of conninfo). */
  target?: string;
  /** The host m1's barman role recorded as reached by its last complete plan. */
  recordedTarget?: string;
  backups: BarmanBackup[];
  check?: BarmanCheck;
}

export interface HostProbe {
  host: string;
  /** The probe ran (the host answered over SSH). */
  reachable: boolean;
  /** Why the host could not be read. */
  error?: string;
  /** systemctl is-active per unit of the spec. */
  services: Record<string, string>;
  /** m1's Postgres answered on its socket; undefined on hosts without one. */
  pgRunning?: boolean;
  pgDataDir?: boolean;
  pg?: PgNode;
  receiver?: WalReceiver;
  replication: ReplicationRow[];
  slots: SlotRow[];
  repmgr?: RepmgrProbe;
  patroni?: PatroniClusterStatus;
  /** This member's own state and role from its Patroni (GET /patroni), when it answered. */
  patroniSelf?: PatroniSelfStatus;
  efm?: EfmClusterStatus;
  /** Where this host's PgBouncer sends clients (host= of its databases file). */
  pgbouncerTarget?: string;
  barman: Record<string, BarmanServerProbe>;
  /** Messages about what could not be read (psql errors, bad JSON). */
  errors: string[];
}

const opt = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
const num = (s: string | undefined): number | undefined => (s === undefined || s === '' || Number.isNaN(Number(s)) ? undefined : Number(s));
const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/** `<status>:<base64>` of a captured command. */
function capturedValue(value: string): { code: number; text: string } {
  const at = value.indexOf(':');
  return { code: Number(value.slice(0, at)), text: decode(value.slice(at + 1)) };
}

export function parseBarmanCheck(code: number, output: string): BarmanCheck {
  const failed = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /:\s*FAILED\b/.test(l));
  if (code === 124) failed.push('barman check did not finish in time (a backed-up host that does not answer?)');
  return { ok: code === 0 && failed.length === 0, failed, output };
}

export function unreachableProbe(host: string, error: string): HostProbe {
  return { host, reachable: false, error, services: {}, replication: [], slots: [], barman: {}, errors: [] };
}

export function parseProbe(spec: ProbeSpec, stdout: string): HostProbe {
  const p: HostProbe = { host: spec.host, reachable: true, services: {}, replication: [], slots: [], barman: {}, errors: [] };
  if (spec.postgres) p.pgRunning = false;
  const server = (s: string): BarmanServerProbe => (p.barman[s] ??= { backups: [] });
  const repmgr = (): RepmgrProbe => (p.repmgr ??= { nodes: [], show: [] });
  for (const s of spec.barmanServers) server(s);
  for (const line of stdout.split('\n')) {
    const m = /^m1:([a-z]+)(?::([^=]+))?=(.*)$/.exec(line);
    if (!m) continue;
    const [, key, sub, value = ''] = m;
    const f = value.split('|');
    switch (key) {
      case 'svc': {
        const states = value.split(',');
        spec.units.forEach((u, n) => (p.services[u] = states[n] || 'unknown'));
        break;
      }
      case 'pg':
        // Only m1's own server counts (a package's default cluster could answer on the socket).
        if (f[0] !== DATA_DIR) {
          p.errors.push(`the server on the socket runs from ${f[0]}, not ${DATA_DIR}`);
          break;
        }
        p.pgRunning = true;
        p.pg = {
          inRecovery: f[1] === 'true',
          currentLsn: opt(f[2]),
          receiveLsn: opt(f[3]),
          replayLsn: opt(f[4]),
          timeline: num(f[5]),
          checkpointTimeline: num(f[6]),
          systemIdentifier: opt(f[7]),
          clusterName: opt(f[8]),
          conninfoHost: opt(f[9]),
        };
        break;
      case 'pgdata':
        p.pgDataDir = true;
        break;
      case 'pgerr':
        if (value.trim()) p.errors.push(value.trim());
        break;
      case 'rcv':
        p.receiver = { status: f[0] ?? '', senderHost: opt(f[1]), timeline: num(f[2]), flushedLsn: opt(f[3]), slot: opt(f[4]) };
        break;
      case 'rep':
        p.replication.push({ applicationName: f[0] ?? '', clientAddr: opt(f[1]), state: f[2] ?? '', sentLsn: opt(f[3]), replayLsn: opt(f[4]), syncState: opt(f[5]) });
        break;
      case 'slot':
        p.slots.push({ name: f[0] ?? '', type: f[1] ?? '', active: f[2] === 'true', restartLsn: opt(f[3]) });
        break;
      case 'rnode':
        repmgr().nodes.push({ id: Number(f[0]), name: f[1] ?? '', type: f[2] ?? '', upstreamId: num(f[3]), active: f[4] === 'true' });
        break;
      case 'repmgrd':
        repmgr().daemonRunning = f[0] === 'true';
        repmgr().paused = f[1] === 'true';
        break;
      case 'rshow': {
        const c = value.split(',').map((x) => Number(x));
        if (c.length >= 3 && c.every((x) => Number.isInteger(x))) repmgr().show.push({ id: c[0]!, connection: c[1]!, recovery: c[2]! });
        break;
      }
      case 'patronicluster': {
        const r = capturedValue(value);
        try {
          if (r.code !== 0) throw new HostError(`Patroni GET /cluster failed (curl exit ${r.code}): ${lastLines(r.text, 1)}`);
          p.patroni = parseClusterJson(r.text);
        } catch (e) {
          p.errors.push((e as Error).message);
        }
        break;
      }
      case 'patroniself': {
        // The DCS view above already reports an unreachable API; this one only refines it.
        const r = capturedValue(value);
        if (r.code === 0) p.patroniSelf = parseSelfJson(r.text);
        break;
      }
      case 'efmstatus': {
        const r = capturedValue(value);
        try {
          if (r.code !== 0) throw new HostError(`efm cluster-status-json exited ${r.code}: ${lastLines(r.text, 1)}`);
          p.efm = parseClusterStatusJson(r.text);
        } catch (e) {
          p.errors.push((e as Error).message);
        }
        break;
      }
      case 'pgbdb':
        p.pgbouncerTarget = databasesTarget(decode(value));
        break;
      case 'bconf':
        if (sub) server(sub).target = serverConfTarget(decode(value));
        break;
      case 'bstate':
        if (sub) server(sub).recordedTarget = opt(decode(value).trim());
        break;
      case 'bbackup':
        if (sub) server(sub).backups.push({ id: f[0] ?? '', status: f[1] ?? '', endTime: opt(f[2]), timeline: num(f[3]), beginWal: opt(f[4]) });
        break;
      case 'bcheck':
        if (sub) {
          const r = capturedValue(value);
          server(sub).check = parseBarmanCheck(r.code, r.text);
        }
        break;
    }
  }
  for (const s of Object.values(p.barman)) s.backups.sort((a, b) => a.id.localeCompare(b.id));
  return p;
}
