/**
 * Patroni's view of the cluster, from GET /cluster (Patroni 3.0
 * utils.cluster_as_json: members sorted by name, each with role leader |
 * replica | sync_standby | standby_leader, state, host, port, timeline,
 * optional pending_restart and lag) or from `patronictl list -f json`.
 */
import { HostError } from '../../errors.js';
import type { RestartOrder } from './parameterChanges.js';

export interface PatroniMemberStatus {
  name: string;
  role: 'leader' | 'replica' | 'sync_standby' | 'standby_leader' | string;
  /** running, streaming, starting, stopped, crashed, ... */
  state: string;
  host?: string;
  port?: number;
  timeline?: number;
  pendingRestart: boolean;
  /** Bytes behind the leader; undefined for the leader or when unknown. */
  lagBytes?: number;
}

export interface PatroniClusterStatus {
  members: PatroniMemberStatus[];
  leader?: string;
  paused: boolean;
}

export function parseClusterJson(text: string): PatroniClusterStatus {
  let doc: { members?: Array<Record<string, unknown>>; pause?: boolean };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HostError(`Patroni GET /cluster: answer is not JSON: ${text.slice(0, 200)}`);
  }
  const members = (doc.members ?? []).map((m): PatroniMemberStatus => {
    const s: PatroniMemberStatus = {
      name: String(m.name),
      role: String(m.role ?? ''),
      state: String(m.state ?? ''),
      pendingRestart: m.pending_restart === true,
    };
    if (typeof m.host === 'string') s.host = m.host;
    if (typeof m.port === 'number') s.port = m.port;
    if (typeof m.timeline === 'number') s.timeline = m.timeline;
    if (typeof m.lag === 'number') s.lagBytes = m.lag;
    return s;
  });
  const leader = members.find((m) => m.role === 'leader' || m.role === 'standby_leader')?.name;
  return { members, ...(leader ? { leader } : {}), paused: doc.pause === true };
}

/** A member's own view of itself, from GET /patroni (Patroni 3.0 api.py: state, role "master" | "replica" | ...). */
export interface PatroniSelfStatus {
  state: string;
  role: string;
  /** This member runs paused (maintenance mode: Patroni adds "pause": true then). */
  paused: boolean;
}

/** GET /patroni's answer; undefined when it is not the JSON Patroni writes. */
export function parseSelfJson(text: string): PatroniSelfStatus | undefined {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    if (typeof doc.state !== 'string') return undefined;
    return { state: doc.state, role: String(doc.role ?? ''), paused: doc.pause === true };
  } catch {
    return undefined;
  }
}

/**
 * Parses `patronictl list -f json` (Patroni 3.0.2: a list of rows keyed by
 * the table's column names: Cluster, Member, Host, Role "Leader" | "Replica"
 * | "Sync Standby", State, TL, "Lag in MB", optional "Pending restart" "*").
 */
export function parsePatronictlList(text: string): PatroniClusterStatus {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new HostError(`patronictl list: output is not JSON: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(rows)) throw new HostError('patronictl list: expected a JSON list');
  const members = rows.map((r): PatroniMemberStatus => {
    const s: PatroniMemberStatus = {
      name: String(r.Member),
      role: String(r.Role ?? '').toLowerCase().replace(/ /g, '_'),
      state: String(r.State ?? ''),
      pendingRestart: r['Pending restart'] === '*',
    };
    if (typeof r.Host === 'string' && r.Host !== '') s.host = r.Host;
    if (typeof r.TL === 'number') s.timeline = r.TL;
    if (typeof r['Lag in MB'] === 'number') s.lagBytes = (r['Lag in MB'] as number) * 1024 * 1024;
    return s;
  });
  const leader = members.find((m) => m.role === 'leader' || m.role === 'standby_leader')?.name;
  return { members, ...(leader ? { leader } : {}), paused: false };
}

/** A member counts as a healthy replica when Patroni says it runs (3.0: running; later: streaming). */
export function isRunningReplica(m: PatroniMemberStatus): boolean {
  return (m.role === 'replica' || m.role === 'sync_standby') && (m.state === 'running' || m.state === 'streaming');
}

/**
 * The members to restart, in order: those with pending_restart, replicas
 * (by name) before the leader, or the leader first for 'leader-first'.
 * 'conflict' is refused by the caller before this is asked.
 */
export function pendingRestartOrder(status: PatroniClusterStatus, order: RestartOrder = 'replicas-first'): string[] {
  if (order === 'conflict') throw new Error('restart order conflict: refuse before planning restarts');
  const pending = status.members.filter((m) => m.pendingRestart);
  const replicas = pending.filter((m) => m.name !== status.leader).map((m) => m.name).sort();
  const leader = pending.some((m) => m.name === status.leader) ? [status.leader!] : [];
  return order === 'leader-first' ? [...leader, ...replicas] : [...replicas, ...leader];
}

/** True once every named member reports pending_restart (the wait after a PATCH). */
export function allPendingRestart(status: PatroniClusterStatus, members: readonly string[]): boolean {
  return members.every((n) => status.members.find((m) => m.name === n)?.pendingRestart === true);
}
