/**
 * repmgr as `m1 status` and `m1 test` show it: repmgr.nodes as one node has
 * it (the primary's first), each node's connection from `repmgr cluster
 * show`, and each node's repmgrd.
 */
import { viewSource, type FmNode, type FmView, type ViewInput } from '../failoverManager.js';

export function repmgrView(input: ViewInput): FmView {
  const { facts } = input;
  const from = viewSource(input, (f) => (f.repmgr?.nodes.length ?? 0) > 0);
  const view: FmView = { manager: 'repmgr', nodes: [] };
  if (!from) return view;
  view.from = from;
  const r = facts[from]!.repmgr!;
  const byId = new Map(r.nodes.map((n) => [n.nodeId, n.name]));
  for (const n of r.nodes) {
    const show = r.show.find((s) => s.nodeId === n.nodeId);
    const own = facts[n.name]?.repmgr;
    const state = !n.active ? 'inactive' : show === undefined ? 'unknown' : show.connection === 0 ? 'running' : 'unreachable';
    const daemon = own?.daemon === undefined ? undefined : !own.daemon.running ? 'stopped' : own.daemon.paused ? 'paused' : 'running';
    // repmgrd_is_paused() answers from the node's shared memory, whether repmgrd runs or not (repmgr service pause sets it either way).
    const paused = own?.daemon?.paused;
    view.nodes.push({
      name: n.name,
      role: n.type,
      state,
      ...(n.upstreamNodeId !== undefined ? { upstream: byId.get(n.upstreamNodeId) ?? String(n.upstreamNodeId) } : {}),
      ...(daemon ? { daemon } : {}),
      ...(paused !== undefined ? { paused } : {}),
    });
  }
  const primaries = r.nodes.filter((n) => n.type === 'primary' && n.active).map((n) => n.name);
  if (primaries.length === 1) view.primary = primaries[0];
  return view;
}

export function repmgrProblem(n: FmNode): string | undefined {
  return n.state === 'running' ? undefined : `repmgr sees ${n.name} as ${n.state}`;
}

/**
 * repmgrd stopped (no automatic failover from there), and a standby whose
 * recorded upstream is not the one it streams from. A paused repmgrd is said
 * once for the cluster (status's pause line), not per node.
 */
export function repmgrWarnings(n: FmNode, streamsFrom: string | undefined): string[] {
  const out: string[] = [];
  if (n.daemon === 'stopped') out.push(`repmgrd does not run on ${n.name}: no automatic failover from there`);
  if (n.role === 'standby' && streamsFrom && n.upstream && streamsFrom !== n.upstream) out.push(`repmgr records ${n.upstream} as ${n.name}'s upstream; it streams from ${streamsFrom}`);
  return out;
}
