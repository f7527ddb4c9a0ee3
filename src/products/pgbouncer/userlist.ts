/**
 * userlist.txt (0600, owned by postgres): the two users PgBouncer knows
 * itself. Every other user is looked up through auth_query.
 * - pgbouncer_auth_user: its password (see ini.ts for why not a verifier);
 * - pgbouncer (admin console): a SCRAM verifier, reusing the stored salt so
 *   that the file does not change between deploys.
 */
import { UsageError } from '../../errors.js';
import { parseScramVerifier } from '../../secrets/scram.js';
import { ADMIN_USER, AUTH_USER } from './layout.js';

function quoted(s: string): string {
  if (/[\r\n]/.test(s)) throw new UsageError('userlist.txt: line breaks cannot be stored');
  return `"${s.replace(/"/g, '""')}"`;
}

export function userlistTxt(authUserPassword: string, adminVerifier: string): string {
  if (!parseScramVerifier(adminVerifier)) throw new Error(`userlist.txt: ${ADMIN_USER} needs a SCRAM verifier, not a password`);
  return `${quoted(ADMIN_USER)} ${quoted(adminVerifier)}\n${quoted(AUTH_USER)} ${quoted(authUserPassword)}\n`;
}

/** The admin verifier currently in a userlist.txt (to reuse its salt), if any. */
export function adminVerifierIn(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^"((?:[^"]|"")*)"\s+"((?:[^"]|"")*)"/.exec(line.trim());
    if (m && m[1]!.replace(/""/g, '"') === ADMIN_USER) return m[2]!.replace(/""/g, '"');
  }
  return undefined;
}
