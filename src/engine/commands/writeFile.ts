/**
 * Atomic file write: the content (fed on stdin, never in arguments) goes to a
 * temporary file in the same directory, then is renamed over the target, so
 * readers see the old file or the new one, never half of one. The temporary
 * file is created private (umask 077) and gets its owner and mode BEFORE the
 * content is written: a file meant to be 0600 (a .pgpass) is never readable
 * by others, not even for a moment. Unspecified owner/group/mode keep the
 * existing file's, or root:root 0644 for a new file.
 */
import { quote } from '../shell/quote.js';
import { assertManagedPath, parentDir } from './paths.js';

export interface WriteFileSpec {
  path: string;
  owner?: string;
  group?: string;
  /** Octal permission bits, e.g. "0640". */
  mode?: string;
}

export function assertMode(mode: string): void {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new Error(`mode ${JSON.stringify(mode)} must be 3 or 4 octal digits, e.g. "0644"`);
}

export function ownerSpec(owner?: string, group?: string): string | undefined {
  if (owner === undefined && group === undefined) return undefined;
  return `${owner ?? ''}:${group ?? ''}`;
}

/** The command; run it with the new content as stdin. */
export function buildWriteFile(spec: WriteFileSpec): string {
  assertManagedPath(spec.path);
  if (spec.mode !== undefined) assertMode(spec.mode);
  const p = quote(spec.path);
  const steps = [
    // The command runs in a subshell of its own: the umask does not outlive it.
    'umask 077',
    `t=$(mktemp -- ${quote(parentDir(spec.path) + '/.m1-XXXXXXXX')})`,
    // keep what the old file had unless told otherwise
    `if [ -e ${p} ]; then chown --reference=${p} -- "$t" && chmod --reference=${p} -- "$t"; else chmod 0644 -- "$t"; fi`,
  ];
  const own = ownerSpec(spec.owner, spec.group);
  if (own) steps.push(`chown -- ${quote(own)} "$t"`);
  if (spec.mode) steps.push(`chmod -- ${spec.mode} "$t"`);
  steps.push('cat > "$t"', `mv -f -- "$t" ${p}`);
  return `${steps.join(' && ')} || { rc=$?; rm -f -- "$t"; exit $rc; }`;
}
