/**
 * What one host said to its probe reading (command.ts), as data: the src/live
 * facts, the failover manager's view and Barman's state. Parsing never
 * throws: what a host could not tell is left undefined (and said in `errors`).
 */
import type { PatroniClusterStatus, PatroniSelfStatus } from '../../../src/products/patroni/clusterStatus.js';
import type { EfmClusterStatus } from '../../../src/products/efm/commands/clusterStatus.js';
import { databasesTarget } from '../../../src/products/pgbouncer/databases.js';
import { serverConfTarget } from '../../../src/products/barman/serverConf.js';
import { parseReading } from '../../../src/live/reading.js';
import type { PgNode } from '../../../src/live/facts/pgNode.js';
import type { WalReceiver } from '../../../src/live/facts/walReceiver.js';
import type { ReplicationRow } from '../../../src/live/facts/replication.js';
import type { SlotRow } from '../../../src/live/facts/slots.js';
import type { RewoundWal } from '../../../src/live/facts/rewoundWal.js';
import type { RepmgrNodeRow } from '../../../src/live/facts/repmgrNodes.js';
import type { RepmgrdState } from '../../../src/live/facts/repmgrd.js';
import type { RepmgrShowRow } from '../../../src/live/facts/repmgrClusterShow.js';
import type { BarmanBackup } from '../../../src/live/facts/barmanBackups.js';
import type { BarmanCheck } from '../../../src/live/facts/barmanCheck.js';
import type { RepmgrProbe } from '../../../roles/failoverManager.js';
import { timeoutSeconds } from '../../../src/live/bounded.js';
import { probeReading } from './command.js';
import type { ProbeSpec } from './spec.js';

export interface BarmanServerProbe {
  /** The host the server conf backs up (host= of conninfo). */
  target?: string;
  /** The host m1's barman role recorded as reached by its last complete plan. */
  recordedTarget?: string;
  backups: BarmanBackup[];
  check?: BarmanCheck;
  /** `barman check` was cut short after this many seconds (m1 status): not known either way. */
  checkCutAfterS?: number;
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
  /** WAL a rewind discarded, kept by deploy's rejoin (one directory per rejoin). */
  rewound?: RewoundWal[];
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
  /** What waits on other hosts and was cut short (barman check aside: see its server), with the bound. */
  cut?: { what: string[]; afterS: number };
  /** The host had not answered when status had to (`m1 status --timeout`): not known to be down, just not read. */
  notRead?: { withinS: number; stage: 'connecting' | 'reading' };
}

export function unreachableProbe(host: string, error: string): HostProbe {
  return { host, reachable: false, error, services: {}, replication: [], slots: [], barman: {}, errors: [] };
}

/** A host that had not answered by status's deadline: still connecting over SSH, or its probe still running. */
export function notReadProbe(host: string, withinS: number, stage: 'connecting' | 'reading'): HostProbe {
  const error = `not read within ${withinS} s (${stage === 'connecting' ? 'no SSH connection yet' : 'its probe had not answered'})`;
  return { ...unreachableProbe(host, error), notRead: { withinS, stage } };
}

export function parseProbe(spec: ProbeSpec, stdout: string): HostProbe {
  const answer = parseReading(probeReading(spec), stdout);
  const f = answer.facts as Record<string, unknown>;
  const p: HostProbe = { host: spec.host, reachable: true, services: f['units'] as Record<string, string>, replication: [], slots: [], barman: {}, errors: answer.errors };
  const bound = spec.boundS === undefined ? undefined : Number(timeoutSeconds(spec.boundS));
  const cut = answer.cut.filter((c) => !c.name.startsWith('bcheck:')).map((c) => c.what);
  if (cut.length > 0 && bound !== undefined) p.cut = { what: cut, afterS: bound };
  if (spec.postgres) {
    const node = f['node'] as PgNode | undefined;
    const receiver = f['receiver'] as WalReceiver | undefined;
    p.pgRunning = node !== undefined;
    if (f['dataDirVersion'] !== undefined) p.pgDataDir = true;
    if (node) p.pg = node;
    if (receiver) p.receiver = receiver;
    p.replication = f['replication'] as ReplicationRow[];
    p.slots = f['slots'] as SlotRow[];
    const rewound = f['rewoundWal'] as RewoundWal[] | undefined;
    if (rewound && rewound.length > 0) p.rewound = rewound;
  }
  if (spec.repmgr) {
    const nodes = f['repmgrNodes'] as RepmgrNodeRow[];
    const show = f['repmgrShow'] as RepmgrShowRow[];
    const daemon = f['repmgrd'] as RepmgrdState | undefined;
    if (nodes.length > 0 || show.length > 0 || daemon) p.repmgr = { nodes, show, ...(daemon ? { daemon } : {}) };
  }
  if (spec.patroniApi !== undefined) {
    const cluster = f['patroniCluster'] as PatroniClusterStatus | undefined;
    if (cluster) p.patroni = cluster;
    const own = f['patroniSelf'] as PatroniSelfStatus | undefined;
    if (own) p.patroniSelf = own;
  }
  if (spec.efm) {
    const efm = f['efm'] as EfmClusterStatus | undefined;
    if (efm) p.efm = efm;
  }
  if (spec.pgbouncer) {
    const ini = f['pgbouncer'] as string | undefined;
    const target = ini === undefined ? undefined : databasesTarget(ini);
    if (target !== undefined) p.pgbouncerTarget = target;
  }
  for (const s of spec.barmanServers) {
    const server: BarmanServerProbe = { backups: f[`bbackups:${s}`] as BarmanBackup[] };
    const conf = f[`bconf:${s}`] as string | undefined;
    const target = conf === undefined ? undefined : serverConfTarget(conf);
    if (target !== undefined) server.target = target;
    const recorded = f[`bstate:${s}`] as string | undefined;
    if (recorded !== undefined) server.recordedTarget = recorded;
    const check = f[`bcheck:${s}`] as BarmanCheck | undefined;
    if (check) server.check = check;
    if (bound !== undefined && answer.cut.some((c) => c.name === `bcheck:${s}`)) server.checkCutAfterS = bound;
    p.barman[s] = server;
  }
  return p;
}
