/**
 * The lines a cluster directory's .gitignore must hold so keys, secrets, host
 * keys, logs and the run lock never reach git.
 */
export const GITIGNORE_LINES = [
  '/id_*',
  '/hostkeys/',
  '/secrets/',
  '/keys/',
  '/tls/',
  '/logs/',
  '*.log',
  '*.jsonl',
  '*.lock',
] as const;

/** The .gitignore text with every required line present; the same text when none is missing. */
export function mergeGitignore(current: string): string {
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l));
  if (missing.length === 0) return current;
  const header = current ? (current.endsWith('\n') ? '' : '\n') : '# m1: keys, secrets, logs and the run lock stay out of git\n';
  return current + header + missing.join('\n') + '\n';
}
