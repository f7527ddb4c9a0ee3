/**
 * `efm cluster-status[-json] <cluster>`: EFM's view of the cluster. The
 * text form is what `m1 status` shows; the JSON form is what switchover and
 * checks read.
 */
import { HostError } from '../../../errors.js';
import type { Cluster } from '../../../inventory/cluster.js';
import { efmPaths, efmVersion } from '../version.js';
import { type HostCommand, assertClusterName } from './hostCommand.js';

function efmCommand(cluster: Cluster, sub: string): HostCommand {
  const efm = efmPaths(efmVersion(cluster)).efm;
  return {
    argv: [efm, sub, assertClusterName(cluster.name)],
    user: 'efm',
    secret: false,
    describe: `efm ${sub} ${cluster.name}`,
  };
}

export function efmClusterStatusCommand(cluster: Cluster): HostCommand {
  return efmCommand(cluster, 'cluster-status');
}

export function efmClusterStatusJsonCommand(cluster: Cluster): HostCommand {
  return efmCommand(cluster, 'cluster-status-json');
}

export interface EfmNodeStatus {
  /** "Primary", "Standby", "Witness", "Idle"... as EFM says it. */
  type: string;
  /** "UP", "DOWN", "N/A"... */
  db: string;
  vip: string;
  /** Every other key EFM reports for the node (lsn, lsnReceive, ...). */
  [key: string]: unknown;
}

export interface EfmClusterStatus {
  /** By EFM address (IP, or hostname with efm_bind_by_hostname). */
  nodes: Record<string, EfmNodeStatus>;
  allowednodes: string[];
  membershipcoordinator: string;
  failoverpriority: string[];
  minimumstandbys: number;
  missingnodes: string[];
  messages: string[];
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseClusterStatusJson(stdout: string): EfmClusterStatus {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new HostError('efm cluster-status-json: the output is not JSON');
  }
  const d = data as Record<string, unknown>;
  if (typeof d !== 'object' || d === null || typeof d['nodes'] !== 'object' || d['nodes'] === null) {
    throw new HostError('efm cluster-status-json: no "nodes" object in the output');
  }
  const nodes: Record<string, EfmNodeStatus> = {};
  for (const [address, raw] of Object.entries(d['nodes'] as Record<string, unknown>)) {
    const n = raw as Record<string, unknown>;
    if (typeof n !== 'object' || n === null || typeof n['type'] !== 'string') {
      throw new HostError(`efm cluster-status-json: node ${address} has no "type"`);
    }
    nodes[address] = { ...n, type: n['type'], db: String(n['db'] ?? ''), vip: String(n['vip'] ?? '') };
  }
  return {
    nodes,
    allowednodes: isStringArray(d['allowednodes']) ? d['allowednodes'] : [],
    membershipcoordinator: typeof d['membershipcoordinator'] === 'string' ? d['membershipcoordinator'] : '',
    failoverpriority: isStringArray(d['failoverpriority']) ? d['failoverpriority'] : [],
    minimumstandbys: typeof d['minimumstandbys'] === 'number' ? d['minimumstandbys'] : 0,
    missingnodes: isStringArray(d['missingnodes']) ? d['missingnodes'] : [],
    messages: isStringArray(d['messages']) ? d['messages'] : [],
  };
}

/** Addresses EFM reports as Primary (one in a healthy cluster). */
export function efmPrimaries(status: EfmClusterStatus): string[] {
  return Object.entries(status.nodes)
    .filter(([, n]) => n.type.toLowerCase() === 'primary')
    .map(([address]) => address);
}
