/**
 * `m1 backup`'s command on the Barman host: a base backup now, waiting until
 * the WAL it needs is archived (DONE), with Barman's result as JSON
 * (`barman -f json backup`: the backup's backup.info as a dictionary, plus
 * Barman's `_INFO` / `_ERROR` messages).
 *
 * The record of deploy's last passed `barman check` goes first: a failed
 * backup makes Barman's `failed backups` check fail, and a converged deploy
 * that trusts the record would not see it. The caller writes the record
 * again only after a check that passes (checkRecord.ts).
 */
import { quote } from '../../engine/shell/quote.js';
import { asBarman, barmanCmd, withWalNudge } from './commands.js';

/** Barman waits this long at most for the backup's last WAL segment (`--wait-timeout`). */
export const BACKUP_WAIT_TIMEOUT_S = 600;

export function backupNowCommand(server: string, target: string, checkRecord: string, waitTimeoutS = BACKUP_WAIT_TIMEOUT_S): string {
  const backup = asBarman(barmanCmd('-f', 'json', 'backup', '--wait', '--wait-timeout', String(waitTimeoutS), server));
  // Nudged while Barman waits for the end segment (see withWalNudge); the nudges stop with the backup.
  return `rm -f ${quote(checkRecord)} || exit 1\n${withWalNudge(backup, target, waitTimeoutS + 60)}`;
}

export interface BackupResult {
  /** The id Barman gave the backup; undefined when it failed before naming one. */
  id?: string;
  status?: string;
  /** Base backup size on Barman's disk. */
  sizeBytes?: number;
  /** Barman's own error field and its `_ERROR` messages. */
  errors: string[];
  ok: boolean;
}

/**
 * Barman's JSON result. Not JSON at all (Barman failed before its output,
 * e.g. another backup holds the lock) is a failure with the text as the error.
 */
export function parseBackupResult(stdout: string, stderr = ''): BackupResult {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    const text = `${stdout}\n${stderr}`.trim();
    return { errors: [text || 'Barman printed nothing'], ok: false };
  }
  const parsed = v as Record<string, unknown>;
  const errors: string[] = [];
  const listed = parsed['_ERROR'];
  if (Array.isArray(listed)) errors.push(...listed.filter((e): e is string => typeof e === 'string'));
  if (typeof parsed['error'] === 'string' && parsed['error'] !== '') errors.push(parsed['error']);
  const r: BackupResult = { errors, ok: false };
  if (typeof parsed['backup_id'] === 'string') r.id = parsed['backup_id'];
  if (typeof parsed['status'] === 'string') r.status = parsed['status'];
  if (typeof parsed['size'] === 'number') r.sizeBytes = parsed['size'];
  if (r.status !== undefined && r.status !== 'DONE' && errors.length === 0) errors.push(`the backup ended ${r.status}, not DONE`);
  if (r.id === undefined && errors.length === 0) errors.push('Barman named no backup');
  r.ok = errors.length === 0;
  return r;
}
