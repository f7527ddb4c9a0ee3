/**
 * `m1 <args>` run in this process, the way every CLI test runs it: stdout and
 * stderr captured (and also echoed when `echo` is set), the exit status returned.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runM1(args: readonly string[], echo = false): Promise<CliRun> {
  let out = '';
  let err = '';
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  const capture = (into: (s: string) => void, real: (s: string) => boolean) => (s: string | Uint8Array) => {
    into(String(s));
    if (echo) real(String(s));
    return true;
  };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (out += s), realOut));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (err += s), realErr));
  try {
    const code = await main(['node', 'm1', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
