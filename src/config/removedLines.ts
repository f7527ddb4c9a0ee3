/**
 * What to change in config.yml once `m1 remove-node` took an instance out:
 * the exact lines of its entry to delete, and each `upstream:` line of a
 * replica that named it, with what to write instead. m1 never rewrites
 * config.yml; every command that loads it says this while it still lists a
 * removed instance. Pure.
 */
import type { Cluster } from '../inventory/cluster.js';
import type { RemovedInstance } from '../inventory/removed.js';
import { INSTANCE_LIST_VARIABLES } from '../inventory/removed.js';
import { YamlSource } from './source.js';

export interface RemovedLines {
  name: string;
  /** 1-based, inclusive. */
  first: number;
  last: number;
  /** The lines as they are in the file. */
  lines: string[];
  /** Other instances' `upstream: <name>` lines: line, and the value to write instead. */
  upstreams: { line: number; instance: string; text: string; replacement: string }[];
  /** Other instances' lists of instance names (haproxy_backend_servers) that name it: the line of its item. */
  lists: { line: number; instance: string; variable: string; text: string }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where `removed` (still listed) sits in config.yml's text; `cluster`: the loaded cluster without it (its replicas' new upstreams). */
export function removedLines(text: string, file: string, removed: readonly RemovedInstance[], cluster: Cluster): RemovedLines[] {
  const src = new YamlSource(file, text);
  const all = text.split('\n');
  const root = src.data;
  const items = isRecord(root) && Array.isArray(root.instances) ? root.instances : [];
  const out: RemovedLines[] = [];
  for (const r of removed) {
    const k = items.findIndex((v) => isRecord(v) && String(v.Name) === r.name);
    if (k < 0) continue;
    const span = src.span(['instances', k]);
    if (!span) continue;
    let last = span.last;
    while (last > span.first && all[last - 1]!.trim() === '') last--;
    const upstreams: RemovedLines['upstreams'] = [];
    items.forEach((v, j) => {
      if (!isRecord(v) || String(v.upstream) !== r.name || removed.some((x) => x.name === String(v.Name))) return;
      const line = src.line(['instances', j, 'upstream']);
      const now = cluster.instances.find((i) => i.name === String(v.Name))?.upstream;
      if (line !== undefined && now !== undefined) upstreams.push({ line, instance: String(v.Name), text: all[line - 1]!, replacement: all[line - 1]!.replace(r.name, now) });
    });
    const lists: RemovedLines['lists'] = [];
    items.forEach((v, j) => {
      if (!isRecord(v) || !isRecord(v.vars) || removed.some((x) => x.name === String(v.Name))) return;
      for (const variable of INSTANCE_LIST_VARIABLES) {
        const names = v.vars[variable];
        const at = Array.isArray(names) ? names.findIndex((n) => String(n) === r.name) : -1;
        const line = at < 0 ? undefined : src.line(['instances', j, 'vars', variable, at]);
        if (line !== undefined) lists.push({ line, instance: String(v.Name), variable, text: all[line - 1]! });
      }
    });
    out.push({ name: r.name, first: span.first, last, lines: all.slice(span.first - 1, last), upstreams, lists });
  }
  return out;
}

/** The warning every command prints while config.yml lists a removed instance. */
export function removedWarning(file: string, r: RemovedInstance, lines: RemovedLines | undefined): string {
  const head = `${r.name} was removed by m1 remove-node on ${r.removedAt.slice(0, 10)} (recorded in removed.json) but ${file} still lists it: provision and deploy skip it`;
  if (!lines) return `${head}; delete its entry from instances`;
  const del = `; delete lines ${lines.first}-${lines.last}:\n${lines.lines.map((l) => `    ${l}`).join('\n')}`;
  const ups = lines.upstreams.map((u) => `\n  and on line ${u.line} (${u.instance}) write\n    ${u.replacement.trim()}\n  instead of\n    ${u.text.trim()}`).join('');
  const lists = lines.lists.map((l) => `\n  and on line ${l.line} (${l.instance}'s ${l.variable}) take ${r.name} out of\n    ${l.text.trim()}`).join('');
  return head + del + ups + lists;
}
