/**
 * Which `barman check` failures stop a backup. Barman itself starts a
 * backup only when no check outside its non-critical list fails (Barman
 * 3.4, barman/server.py CheckStrategy.NON_CRITICAL_CHECKS): a missing or too
 * old backup is what a backup repairs, and an earlier failed backup does not
 * stop the next one.
 */
export const NON_CRITICAL_CHECKS: readonly string[] = [
  'minimum redundancy requirements',
  'backup maximum age',
  'backup minimum size',
  'failed backups',
  'archiver errors',
  'empty incoming directory',
  'empty streaming directory',
  'incoming WALs directory',
  'streaming WALs directory',
  'wal maximum age',
];

/** The check's name in a `name: FAILED (detail)` line. */
function checkName(line: string): string {
  return line.replace(/:\s*FAILED\b.*$/, '').trim();
}

/** The failed lines (as parseBarmanCheck gives them) that stop a backup. */
export function criticalFailures(failed: readonly string[]): string[] {
  return failed.filter((l) => !NON_CRITICAL_CHECKS.includes(checkName(l)));
}
