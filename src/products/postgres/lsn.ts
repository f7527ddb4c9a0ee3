/**
 * PostgreSQL WAL positions ("16/B374D848"): parsed to bigint so lag can be
 * computed between hosts probed separately.
 */

/** The byte position of an LSN text; undefined for anything else. */
export function parseLsn(text: string | undefined): bigint | undefined {
  if (!text) return undefined;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** Bytes `behind` is behind `ahead` (0 when it is not behind); undefined when either is unknown. */
export function lagBytes(ahead: string | undefined, behind: string | undefined): number | undefined {
  const a = parseLsn(ahead);
  const b = parseLsn(behind);
  if (a === undefined || b === undefined) return undefined;
  return a > b ? Number(a - b) : 0;
}

/** 0 B, 512 kB, 16.0 MB, 1.2 GB: sizes for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}
