/**
 * EFM as `m1 status` and `m1 test` show it: `efm cluster-status-json` from
 * one agent (the primary's first), nodes named by their EFM address (an IP,
 * or the hostname with efm_bind_by_hostname), and the nodes EFM misses.
 */
import { viewSource, type FmNode, type FmView, type ViewInput } from '../failoverManager.js';

export function efmView(input: ViewInput): FmView {
  const { facts, nameOf } = input;
  const from = viewSource(input, (f) => f.efm !== undefined);
  const view: FmView = { manager: 'efm', nodes: [] };
  if (!from) return view;
  const s = facts[from]!.efm!;
  view.from = from;
  for (const [address, n] of Object.entries(s.nodes)) {
    const name = nameOf(address);
    view.nodes.push({ name, role: n.type.toLowerCase(), state: n.db });
    if (n.type.toLowerCase() === 'primary') view.primary = name;
  }
  for (const missing of s.missingnodes) view.nodes.push({ name: nameOf(missing), role: 'missing', state: 'missing' });
  return view;
}

export function efmProblem(n: FmNode): string | undefined {
  return n.role === 'missing' ? `EFM misses ${n.name}` : undefined;
}

/** `m1 test`: known to EFM, and its database UP (a witness has none). */
export function efmWorks(n: FmNode): boolean {
  return n.role !== 'missing' && (n.state === 'UP' || n.role === 'witness');
}
