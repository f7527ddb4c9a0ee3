/**
 * Several read commands in one: each runs in its own subshell, its output
 * followed by a marker line carrying its exit status, so one SSH exec (one
 * process tree on the host) answers what would otherwise take several. The
 * marker holds a random token: no file content or unit property can end a
 * part early.
 */
import { randomBytes } from 'node:crypto';

export interface JoinedPart {
  stdout: string;
  code: number;
}

export function joinedReadsToken(): string {
  return randomBytes(8).toString('hex');
}

const marker = (token: string) => `--m1-part-${token}--`;

export function buildJoinedReads(commands: readonly string[], token: string): string {
  if (!/^[0-9a-f]{8,}$/.test(token)) throw new Error(`joined reads: not a token: ${token}`);
  if (commands.length === 0) throw new Error('joined reads: no command');
  // The newline before the marker ends a part whose output has no final newline; the parser takes it off again.
  return commands.map((c) => `( ${c} ); printf '\\n%s %d\\n' ${marker(token)} $?`).join('; ');
}

/** Each part's output and exit status, in order; throws when a part's marker is missing (the command was cut short). */
export function parseJoinedReads(count: number, token: string, stdout: string): JoinedPart[] {
  const parts: JoinedPart[] = [];
  const re = new RegExp(`\\n${marker(token)} (\\d+)\\n`, 'g');
  let from = 0;
  for (let m = re.exec(stdout); m !== null && parts.length < count; m = re.exec(stdout)) {
    parts.push({ stdout: stdout.slice(from, m.index), code: Number(m[1]) });
    from = m.index + m[0].length;
  }
  if (parts.length !== count) throw new Error(`joined reads: ${parts.length} of ${count} parts answered`);
  return parts;
}

/** The token and the commands of a joined read (for fake hosts that answer each part by itself), else undefined. */
export function splitJoinedReads(command: string): { token: string; commands: string[] } | undefined {
  const m = /; printf '\\n%s %d\\n' --m1-part-([0-9a-f]{8,})-- \$\?$/.exec(command);
  if (!m || !command.startsWith('( ')) return undefined;
  const token = m[1]!;
  const tail = ` ); printf '\\n%s %d\\n' ${marker(token)} $?`;
  const commands = command.slice(0, -tail.length).slice(2).split(`${tail}; ( `);
  return { token, commands };
}

/** The output a joined read gives for these parts. */
export function joinedReadsOutput(token: string, parts: readonly JoinedPart[]): string {
  return parts.map((p) => `${p.stdout}\n${marker(token)} ${p.code}\n`).join('');
}
