/**
 * The root shell at the far end of an SSH connection, and how to end what a
 * timed-out command left running in it.
 *
 * A login other than root gets its root shell from `sudo -n sh` (never a
 * password: sudo that asks for one fails at once). Every command then travels
 * on that shell's stdin, so sudo logs one `sh` and never a command or secret.
 *
 * Killing a timed-out command through the SSH channel does not work: sshd
 * signals only the process it started (the shell, or sudo, which cannot pass
 * SIGKILL on), and the command's own processes run on. They all share the
 * session sshd made for the channel, though, and no other process does: the
 * connector reads that session id when the shell opens, and after a timeout
 * kills the session from a fresh shell (on its own channel, in a session of
 * its own).
 */

/** The command an SSH exec channel runs to get a root shell for `user`. */
export function rootShellCommand(user: string): string {
  return user === 'root' ? 'sh' : 'sudo -n sh';
}

/** Prints the shell's uid, then its session id (from /proc: no ps needed), one a line. */
export const WHO_AM_I = 'id -u; read -r _ _ _ _ _ sid _ < /proc/$$/stat && echo "$sid"';

/** The uid and session id WHO_AM_I printed; sessionId undefined when unreadable. */
export function parseWhoAmI(stdout: string): { uid: string; sessionId?: number } {
  const [uid = '', sid = ''] = stdout.split('\n').map((l) => l.trim());
  const n = /^\d+$/.test(sid) ? Number(sid) : NaN;
  return Number.isSafeInteger(n) && n > 1 ? { uid, sessionId: n } : { uid };
}

/**
 * Kills every process of session `sessionId` (SIGKILL); refuses to touch the
 * session it runs in itself. Exits 0 when nothing was left or all was killed.
 */
export function killSessionCommand(sessionId: number): string {
  if (!Number.isSafeInteger(sessionId) || sessionId < 2) throw new Error(`not a session id a command may kill: ${sessionId}`);
  return `read -r _ _ _ _ _ own _ < /proc/$$/stat && [ "$own" != ${sessionId} ] && { pkill -KILL -s ${sessionId}; [ $? -le 1 ]; }`;
}
