/** Plain-text tables for terminals and logs: columns padded, no colours. */

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** One verified statement: pass or fail, with what was seen. */
export interface CheckRow {
  check: string;
  ok: boolean;
  detail: string;
}

export function renderChecks(rows: readonly CheckRow[]): string {
  return renderTable(
    ['result', 'check', 'detail'],
    rows.map((r) => [r.ok ? 'PASS' : 'FAIL', r.check, r.detail]),
  );
}
