import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../packageRoot.js';
import { newProgram, reportError, type RunState } from './program.js';
import { commands } from './commands.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI; resolves to the exit status. `startedAt`: when the user's
 * command started, on performance.now()'s clock (bin/m1.js passes 0, the
 * process start: loading m1 counts for `m1 status --timeout`).
 */
export async function main(argv: string[], startedAt = performance.now()): Promise<number> {
  const state: RunState = { exitCode: 0, startedAt };
  const program = newProgram().version(version());
  for (const register of commands) register(program, state);
  try {
    await program.parseAsync(argv);
    return state.exitCode;
  } catch (err) {
    return reportError(err, (s) => process.stderr.write(s));
  }
}
