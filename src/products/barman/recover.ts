/**
 * `barman recover` of one backup to a new host over SSH (Barman's remote
 * recovery: rsync as barman to postgres@<host>), as one command on the
 * Barman host. Pure builders.
 *
 * The host key of the new host is known explicitly: the command writes it
 * (its stdin) to a known_hosts file of this recovery alone under barman's
 * ~/.ssh, names that file in the ssh command with StrictHostKeyChecking=yes,
 * and removes it afterwards, whatever Barman's exit status. The Barman host's
 * /etc/ssh/ssh_known_hosts and barman's own files, which the source
 * cluster's deploy manages, stay as they are.
 *
 * `--no-get-wal`: Barman copies the WAL up to the target into
 * `<PGDATA>/barman_wal` and writes `restore_command = 'cp barman_wal/%f %p'`,
 * so the restored server never fetches anything from the source's Barman
 * afterwards. The target and `recovery_target_action = 'promote'` go to
 * postgresql.auto.conf with recovery.signal (PostgreSQL 12 and later; Barman
 * keeps the file it replaced as postgresql.auto.conf.origin). Without a
 * target (--latest) Postgres replays every WAL copied and promotes at its end.
 */
import { quote } from '../../engine/shell/quote.js';
import { asBarman, barmanCmd } from './commands.js';
import { BARMAN_HOME } from './layout.js';

export type RecoverTarget = { kind: 'time'; text: string } | { kind: 'lsn'; lsn: string } | { kind: 'latest' };

export interface RecoverSpec {
  server: string;
  backupId: string;
  target: RecoverTarget;
  /** The data directory on the new host. */
  destination: string;
  /** The new host's address as the Barman host reaches it. */
  address: string;
  /** A name for the known_hosts file (the new cluster's). */
  label: string;
}

/** barman's known_hosts file for one recovery. */
export function recoverKnownHostsPath(label: string): string {
  return `${BARMAN_HOME}/.ssh/m1-restore-${label.replace(/[^A-Za-z0-9_.-]/g, '_')}.known_hosts`;
}

/** The ssh command Barman runs rsync and its remote commands with. */
export function recoverSshCommand(address: string, knownHosts: string): string {
  return ['ssh', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', `postgres@${address}`].join(' ');
}

/** Barman's arguments: `recover [target] --target-action promote --no-get-wal --remote-ssh-command ... <server> <id> <dest>`. */
export function recoverArgs(spec: RecoverSpec, knownHosts: string): string[] {
  const t = spec.target;
  const target = t.kind === 'time' ? ['--target-time', t.text] : t.kind === 'lsn' ? ['--target-lsn', t.lsn] : [];
  // --target-action needs a target; without one Postgres promotes at the end of the WAL anyway.
  const action = t.kind === 'latest' ? [] : ['--target-action', 'promote'];
  return ['recover', ...target, ...action, '--no-get-wal', '--remote-ssh-command', recoverSshCommand(spec.address, knownHosts), spec.server, spec.backupId, spec.destination];
}

/**
 * As barman: the known_hosts lines (stdin) written, Barman's recover run, the
 * file removed; exits with Barman's status.
 */
export function recoverCommand(spec: RecoverSpec): string {
  const kh = recoverKnownHostsPath(spec.label);
  return asBarman(
    [
      `umask 077 && mkdir -p ${quote(`${BARMAN_HOME}/.ssh`)} && cat > ${quote(kh)} || exit 1`,
      `${barmanCmd(...recoverArgs(spec, kh))}`,
      'rc=$?',
      `rm -f ${quote(kh)}`,
      'exit $rc',
    ].join('\n'),
  );
}

/** known_hosts lines for one address: `<address> <algorithm> <base64>`. */
export function knownHostsLines(address: string, keys: readonly { algorithm: string; base64: string }[]): string {
  return keys.map((k) => `${address} ${k.algorithm} ${k.base64}\n`).join('');
}

