/** repmgr's metadata (repmgr.nodes) as this server has it; empty before `repmgr primary register`. */
import { sqlRows, type Fact } from '../fact.js';
import { bool, fields, num } from '../protocol.js';
import type { RepmgrNodeRow, RepmgrNodeType } from '../../products/repmgr/sql.js';

export type { RepmgrNodeRow, RepmgrNodeType };

export const REPMGR_NODES_SQL = sqlRows('rnode', ['node_id', 'node_name', 'type', 'upstream_node_id', 'active'], 'FROM repmgr.nodes ORDER BY node_id');

export const repmgrNodes: Fact<RepmgrNodeRow[]> = {
  key: 'rnode',
  // The repmgr database and its schema exist only once repmgr registered the primary.
  read: { sql: REPMGR_NODES_SQL, database: 'repmgr', when: "to_regclass('repmgr.nodes') IS NOT NULL" },
  parse: (lines) =>
    lines.map((l) => {
      const f = fields(l.value);
      const row: RepmgrNodeRow = { nodeId: Number(f[0]), name: f[1] ?? '', type: (f[2] ?? '') as RepmgrNodeType, active: bool(f[4]) };
      const up = num(f[3]);
      if (up !== undefined) row.upstreamNodeId = up;
      return row;
    }),
};
