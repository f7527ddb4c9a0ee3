/**
 * The variables reference `m1 validate --vars` prints: every declared
 * variable with where m1 reads it, its kind, its default and what it does,
 * in the order variables.ts declares them; TPA's variables m1 accepts and
 * ignores after them.
 */
import { VARIABLES, type VariableName } from './variables.js';
import type { VarSpec } from './varKinds.js';

export interface VariableRow {
  name: string;
  /** cluster: cluster_vars only; host: an instance's vars, then cluster_vars. */
  scope: 'cluster' | 'host';
  type: string;
  default: string;
  meaning: string;
}

function formatDefault(spec: VarSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const d = spec.default;
  if (d === undefined) return '-';
  if (typeof d === 'string') return d === '' ? '""' : d;
  if (Array.isArray(d)) return `[${d.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]`;
  return typeof d === 'object' ? JSON.stringify(d) : String(d);
}

/** Rows of the variables m1 reads, and of TPA's it accepts without using them. */
export function variableRows(): { read: VariableRow[]; tpaOnly: VariableRow[] } {
  const read: VariableRow[] = [];
  const tpaOnly: VariableRow[] = [];
  for (const name of Object.keys(VARIABLES) as VariableName[]) {
    const spec = VARIABLES[name] as VarSpec;
    const row = { name, scope: spec.scope, type: spec.type, default: formatDefault(spec), meaning: spec.meaning };
    (spec.read ? read : tpaOnly).push(row);
  }
  return { read, tpaOnly };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => (k === cells.length - 1 ? c : c.padEnd(widths[k]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The reference as text: one table of the variables m1 reads, one of TPA's it accepts and ignores. */
export function renderVariableTable(): string {
  const { read, tpaOnly } = variableRows();
  return [
    `Variables m1 reads (${read.length}): set in cluster_vars, or for "host" ones also in instance_defaults.vars or an instance's vars (which win).`,
    '',
    ...table(
      ['name', 'where', 'type', 'default', 'meaning'],
      read.map((r) => [r.name, r.scope, r.type, r.default, r.meaning]),
    ),
    '',
    `TPA's variables m1 accepts and does not use (${tpaOnly.length}):`,
    '',
    ...table(['name', 'meaning'], tpaOnly.map((r) => [r.name, r.meaning])),
    '',
  ].join('\n');
}
