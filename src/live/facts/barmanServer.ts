/**
 * A Barman server's files: its configuration (which host it backs up) and
 * the target m1's barman role recorded as reached by its last complete plan.
 */
import type { Fact } from '../fact.js';
import { decode, fileLine } from '../protocol.js';

export function barmanServerConf(server: string, confPath: string): Fact<string | undefined> {
  const key = `bconf:${server}`;
  return { key, read: { shell: fileLine(key, confPath) }, parse: (lines) => (lines[0] ? decode(lines[0].value) : undefined) };
}

export function barmanTargetState(server: string, statePath: string): Fact<string | undefined> {
  const key = `bstate:${server}`;
  return { key, read: { shell: fileLine(key, statePath) }, parse: (lines) => (lines[0] ? decode(lines[0].value).trim() || undefined : undefined) };
}
