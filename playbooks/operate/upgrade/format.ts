/** The text `m1 upgrade` ends with: each host's version before and after, and where the time went. Pure. */
import { renderTable } from '../table.js';
import type { UpgradeOutcome } from './run.js';

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatUpgrade(out: UpgradeOutcome): string {
  const rows = out.versions.map((v) => [
    v.host,
    v.packageBefore ?? '-',
    v.before !== undefined ? String(v.before) : '-',
    v.packageAfter ?? '-',
    v.after !== undefined ? String(v.after) : '-',
    out.hostMs.find((h) => h.host === v.host) ? sec(out.hostMs.find((h) => h.host === v.host)!.ms) : out.plan.atTarget.includes(v.host) ? 'at target' : '-',
  ]);
  const table = renderTable(['host', 'package before', 'server_version_num before', 'package after', 'server_version_num after', 'time'], rows);
  const sw = out.switchovers.map((s) => `switchover ${s.from} -> ${s.to} ${sec(s.ms)} (writes accepted after ${s.writableAfterMs !== undefined ? sec(s.writableAfterMs) : '?'})`);
  const verdict = out.exitCode === 0 ? (out.changed ? `every server runs ${out.plan.target} (${out.plan.targetNum})` : 'nothing changed') : 'STOPPED (exit 1)';
  return `\n${table}\nupgrade: ${verdict} in ${sec(out.ms)}: reading ${sec(out.readMs)}, download ${sec(out.downloadMs)}${sw.length ? `, ${sw.join(', ')}` : ''}\n`;
}
