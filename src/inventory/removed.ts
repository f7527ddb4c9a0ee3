/**
 * Instances taken out of service by `m1 remove-node`, recorded in
 * <cluster-dir>/removed.json beside the inventory. config.yml is never
 * rewritten: while it still lists a removed instance, every command loads the
 * cluster without it (withoutRemoved), and says which lines of config.yml to
 * delete (src/config/removedLines.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { Cluster, Instance } from './cluster.js';
import { writeFileAtomic } from './localFiles.js';

export const REMOVED_FILE = 'removed.json';

export interface RemovedInstance {
  /** Instance Name as config.yml has it. */
  name: string;
  /** Its node number (repmgr's node_id) when it was removed. */
  node: number;
  /** When it was removed (ISO 8601, UTC). */
  removedAt: string;
  /** The upstream its downstream replicas were pointed at. */
  upstream?: string;
  /**
   * The other hosts' configuration still names it: the deploy that ends
   * `m1 remove-node` has not passed yet (a rerun runs it again).
   */
  othersPending?: boolean;
}

export interface RemovedRecord {
  removed: RemovedInstance[];
}

/** What removed.json says; an absent file is an empty record. */
export async function readRemoved(clusterDir: string): Promise<RemovedRecord> {
  const path = join(clusterDir, REMOVED_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { removed: [] };
  }
  try {
    return parseRemoved(text);
  } catch (e) {
    throw new M1Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, ExitCode.BadInput);
  }
}

/** Parses removed.json's text; throws saying what is wrong. */
export function parseRemoved(text: string): RemovedRecord {
  const data = JSON.parse(text) as unknown;
  const list = typeof data === 'object' && data !== null && Array.isArray((data as { removed?: unknown }).removed) ? (data as { removed: unknown[] }).removed : undefined;
  if (!list) throw new Error('expected {"removed": [...]}');
  return {
    removed: list.map((e, k) => {
      const r = e as Partial<RemovedInstance>;
      if (typeof r?.name !== 'string' || typeof r.node !== 'number' || typeof r.removedAt !== 'string') throw new Error(`removed[${k}]: expected name, node and removedAt`);
      return {
        name: r.name,
        node: r.node,
        removedAt: r.removedAt,
        ...(typeof r.upstream === 'string' ? { upstream: r.upstream } : {}),
        ...(r.othersPending === true ? { othersPending: true } : {}),
      };
    }),
  };
}

/** The record with `entry` in it (replacing an earlier entry of the same name). Pure. */
export function withEntry(record: RemovedRecord, entry: RemovedInstance): RemovedRecord {
  return { removed: [...record.removed.filter((r) => r.name !== entry.name), entry] };
}

export async function writeRemoved(clusterDir: string, record: RemovedRecord): Promise<void> {
  await writeFileAtomic(join(clusterDir, REMOVED_FILE), JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
}

/**
 * The cluster without the removed instances that config.yml still lists:
 * a replica that config.yml puts under a removed one streams from that one's
 * own upstream (followed up the chain when that was removed too), as
 * remove-node re-pointed it. Pure.
 */
export function withoutRemoved(cluster: Cluster, record: RemovedRecord): { cluster: Cluster; removed: RemovedInstance[] } {
  const gone = new Map(record.removed.map((r) => [r.name, r]));
  const listed = cluster.instances.filter((i) => gone.has(i.name));
  if (listed.length === 0) return { cluster, removed: [] };
  const byName = new Map(cluster.instances.map((i) => [i.name, i]));
  const upstreamOf = (i: Instance): string | undefined => {
    let up = i.upstream;
    const seen = new Set<string>();
    while (up !== undefined && gone.has(up) && !seen.has(up)) {
      seen.add(up);
      up = byName.get(up)?.upstream;
    }
    return up;
  };
  const instances = cluster.instances
    .filter((i) => !gone.has(i.name))
    .map((i) => withoutNamedServers(i, gone))
    .map((i) => {
      if (i.upstream === undefined || !gone.has(i.upstream)) return i;
      const { upstream: _old, ...rest } = i;
      const up = upstreamOf(i);
      return up === undefined ? rest : { ...rest, upstream: up };
    });
  return { cluster: { ...cluster, clusterVars: withoutNames(cluster.clusterVars, gone), instances }, removed: listed.map((i) => gone.get(i.name)!) };
}

/** Variables whose value is a list of instance names: a removed instance is left out of them (HAProxy's backends). */
export const INSTANCE_LIST_VARIABLES = ['haproxy_backend_servers'] as const;

function withoutNames<V extends Readonly<Record<string, unknown>>>(vars: V, gone: ReadonlyMap<string, unknown>): V {
  let out: V | undefined;
  for (const key of INSTANCE_LIST_VARIABLES) {
    const v = vars[key];
    if (!Array.isArray(v) || !v.some((n) => gone.has(String(n)))) continue;
    out = { ...(out ?? vars), [key]: v.filter((n) => !gone.has(String(n))) };
  }
  return out ?? vars;
}

function withoutNamedServers(i: Instance, gone: ReadonlyMap<string, unknown>): Instance {
  const vars = withoutNames(i.vars, gone);
  const own = i.ownVars && withoutNames(i.ownVars, gone);
  if (vars === i.vars && own === i.ownVars) return i;
  return { ...i, vars, ...(own ? { ownVars: own } : {}) };
}
