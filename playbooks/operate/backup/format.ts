/** The text of `m1 backup` and `m1 backups`. */
import { formatBytes } from '../../../src/products/postgres/lsn.js';
import { renderTable } from '../table.js';
import type { ServerBackups, TakenBackup } from './run.js';

const opt = (v: string | undefined) => v ?? '-';
const bytes = (n: number | undefined) => (n === undefined ? '-' : formatBytes(n));

function windowLine(s: ServerBackups): string {
  if (!s.window) return 'recovery window: none (no DONE backup)';
  const wal = s.window.latestWal ? ` (WAL ${s.window.latestWal})` : '';
  return `recovery window: ${s.window.earliest} .. ${s.window.latest}${wal}`;
}

export function formatBackups(list: readonly ServerBackups[]): string {
  return list
    .map((s) => {
      const head = `Barman server ${s.server} on ${s.barmanHost}: ${s.catalog.backups.length} backup(s)\n`;
      const rows = [...s.catalog.backups].reverse().map((b) => [b.id, opt(b.beginTime), opt(b.endTime), bytes(b.sizeBytes), bytes(b.walSizeBytes), b.status, opt(b.retention)]);
      const table = rows.length > 0 ? renderTable(['id', 'begin', 'end', 'size', 'wal', 'status', 'retention'], rows) : '';
      return `${head}${table}${windowLine(s)}\n`;
    })
    .join('\n');
}

export function formatTaken(b: TakenBackup): string {
  return (
    `backup ${b.id} of ${b.server} (from ${b.target}) on ${b.barmanHost}: ${bytes(b.sizeBytes)} in ${(b.backupMs / 1000).toFixed(1)} s; ` +
    `barman check OK; ${b.catalog.backups.length} backup(s) listed (${b.countBefore} before)\n${windowLine(b)}\n`
  );
}
