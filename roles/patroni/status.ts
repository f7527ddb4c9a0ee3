/**
 * Patroni as `m1 status` and `m1 test` show it: the DCS's members from one
 * node's GET /cluster (the leader's first), each member's state as its own
 * Patroni tells it (GET /patroni) when it answered: the DCS record lags up to
 * loop_wait after a switchover.
 */
import { viewSource, type FmNode, type FmView, type ViewInput } from '../failoverManager.js';
import { isRunningReplica } from '../../src/products/patroni/clusterStatus.js';

export function patroniView(input: ViewInput): FmView {
  const { facts } = input;
  const from = viewSource(input, (f) => f.patroni !== undefined);
  const view: FmView = { manager: 'patroni', nodes: [] };
  if (!from) return view;
  const s = facts[from]!.patroni!;
  view.from = from;
  if (s.leader) view.primary = s.leader;
  view.paused = s.paused;
  for (const m of s.members) {
    const own = facts[m.name]?.patroniSelf;
    view.nodes.push({ name: m.name, role: m.role, state: own?.state ?? m.state, ...(own ? { paused: own.paused } : {}) });
  }
  return view;
}

export function patroniProblem(n: FmNode): string | undefined {
  if (n.role === 'leader' || isRunningReplica({ name: n.name, role: n.role, state: n.state, pendingRestart: false })) return undefined;
  return `Patroni sees ${n.name} as ${n.role} ${n.state}`;
}
