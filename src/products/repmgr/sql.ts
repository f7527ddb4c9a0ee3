/** SQL for repmgr's metadata and slots, run on the primary as postgres. */
import { literal } from '../postgres/sqlQuote.js';
import { repmgrConfPath } from './layout.js';
import type { PostgresVersion } from '../../inventory/cluster.js';

export type RepmgrNodeType = 'primary' | 'standby' | 'witness';

/** Registered nodes: node_id|node_name|type|upstream_node_id|active|conninfo (psql -At -F '|'), empty before `primary register`. */
export const REPMGR_NODES_SQL = `SELECT node_id, node_name, type, coalesce(upstream_node_id::text, ''), active, conninfo
  FROM repmgr.nodes ORDER BY node_id`;

export interface RepmgrNodeRow {
  nodeId: number;
  name: string;
  type: RepmgrNodeType;
  upstreamNodeId?: number;
  active: boolean;
  /** How repmgr and its peers reach the node (repmgr.conf's conninfo when it registered). */
  conninfo?: string;
}

export function parseRepmgrNodes(output: string): RepmgrNodeRow[] {
  return output
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [id, name, type, upstream, active, ...conninfo] = l.split('|');
      const row: RepmgrNodeRow = { nodeId: Number(id), name: name!, type: type as RepmgrNodeType, active: active === 't' };
      if (upstream) row.upstreamNodeId = Number(upstream);
      if (conninfo.length) row.conninfo = conninfo.join('|');
      return row;
    });
}

export interface NodeRegistration {
  nodeId: number;
  name: string;
  type: RepmgrNodeType;
  upstreamNodeId?: number;
  /** repmgr.conf's conninfo: a record with another one is registered again (peers and primary_conninfo read the record). */
  conninfo?: string;
}

/**
 * Whether a node must be registered (again), and why: missing, another type,
 * inactive, or another upstream. The reason names what repmgr.nodes holds,
 * so a deploy that re-registers says what it found.
 */
export function registrationNeeded(want: NodeRegistration, rows: readonly RepmgrNodeRow[]): { register: string } | 'ok' | { conflict: string } {
  const row = rows.find((r) => r.nodeId === want.nodeId);
  if (!row) return { register: 'not in repmgr.nodes' };
  if (row.name !== want.name) return { conflict: `repmgr node id ${want.nodeId} belongs to ${row.name}, not ${want.name}` };
  if (row.type !== want.type) {
    // A former primary re-joined as standby is re-registered; anything else is for a human.
    if (want.type === 'standby' && row.type === 'primary') return { register: 'registered as primary' };
    return { conflict: `${want.name} is registered as ${row.type}, expected ${want.type}` };
  }
  if (!row.active) return { register: 'marked inactive' };
  if (want.type === 'standby' && row.upstreamNodeId !== want.upstreamNodeId) {
    return { register: `registered upstream node ${row.upstreamNodeId ?? 'none'}, streams from node ${want.upstreamNodeId}` };
  }
  if (want.conninfo !== undefined && row.conninfo !== undefined && row.conninfo !== want.conninfo) {
    return { register: `registered with another conninfo: ${row.conninfo}` };
  }
  return 'ok';
}

/**
 * A placeholder record for a standby that is not registered yet, so a clone
 * can name it as upstream before it exists in repmgr.nodes (TPA does this for
 * cascaded replicas cloned from the primary); `standby register --force`
 * replaces it. Inserted inactive; does nothing when a record exists.
 */
export function placeholderNodeSql(version: PostgresVersion, node: { nodeId: number; name: string; conninfo: string }): string {
  return (
    'INSERT INTO repmgr.nodes (node_id, upstream_node_id, active, node_name, type, location, priority, conninfo, repluser, slot_name, config_file)\n' +
    `VALUES (${node.nodeId}, NULL, false, ${literal(node.name)}, 'standby', 'default', 100, ${literal(node.conninfo)}, 'repmgr', ` +
    `${literal(`repmgr_slot_${node.nodeId}`)}, ${literal(repmgrConfPath(version))})\n` +
    'ON CONFLICT (node_id) DO NOTHING;\n'
  );
}

/** The physical slot repmgr uses for a node (use_replication_slots). */
export function repmgrSlotName(nodeId: number): string {
  return `repmgr_slot_${nodeId}`;
}

/** Creates a physical slot, reserving WAL at once, when it is missing; prints `created` if it did. */
export function ensurePhysicalSlotSql(slot: string): string {
  return (
    // The function sits in a target list: evaluated only for a row the WHERE lets through.
    `SELECT 'created' FROM (SELECT pg_create_physical_replication_slot(${literal(slot)}, true)\n` +
    `  WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${literal(slot)})) s;\n`
  );
}

/** Drops a slot when it exists and nobody streams from it; prints `dropped` if it did. */
export function dropInactiveSlotSql(slot: string): string {
  return (
    `SELECT 'dropped' FROM (SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots\n` +
    `  WHERE slot_name = ${literal(slot)} AND NOT active) d;\n`
  );
}

/** How many slots of that name there are (0 or 1). */
export function slotCountSql(slot: string): string {
  return `SELECT count(*) FROM pg_replication_slots WHERE slot_name = ${literal(slot)}`;
}

/**
 * On a witness, its copy of repmgr.nodes without node `nodeId` (what its
 * repmgrd copies from the primary every witness_sync_interval), the nodes
 * that had it as upstream under `upstreamNodeId`; prints the rows left for it (0).
 */
export function forgetNodeSql(nodeId: number, upstreamNodeId: number): string {
  return (
    'BEGIN;\n' +
    `UPDATE repmgr.nodes SET upstream_node_id = ${upstreamNodeId} WHERE upstream_node_id = ${nodeId};\n` +
    `DELETE FROM repmgr.nodes WHERE node_id = ${nodeId};\n` +
    'COMMIT;\n' +
    `SELECT count(*) FROM repmgr.nodes WHERE node_id = ${nodeId};\n`
  );
}
