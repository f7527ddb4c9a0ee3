/** Progress events of a run. Every field is already redacted. All methods are optional. */
import type { OpResult, Playbook, RunResult, Stage } from './playbook.js';

export interface Reporter {
  runStart?(playbook: Playbook, check: boolean): void;
  stageStart?(stage: Stage, hosts: readonly string[]): void;
  taskStart?(host: string, role: string, task: string): void;
  taskEnd?(result: OpResult): void;
  /** A host finished its part of a stage (failed: its one-line error). */
  hostEnd?(stage: Stage, host: string, failed: string | undefined): void;
  stageEnd?(stage: Stage): Promise<void> | void;
  runEnd?(result: RunResult): Promise<void> | void;
}

/** The library default: says nothing. */
export const silentReporter: Reporter = {};

/** The recap table: one line per host. */
export function formatRecap(result: RunResult): string {
  const hosts = Object.keys(result.recap);
  const width = Math.max(4, ...hosts.map((h) => h.length));
  return hosts
    .map((h) => {
      const r = result.recap[h]!;
      return `${h.padEnd(width)}  ok=${r.ok} changed=${r.changed} skipped=${r.skipped} failed=${r.failed}`;
    })
    .join('\n');
}
