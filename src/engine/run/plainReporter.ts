/**
 * Plain line output (logs, CI, pipes): one line per change, failure and
 * skipped stage, and per step that took LONG_STEP_MS or more (with its time,
 * so a slow clone or backup is seen, not guessed); every operation with
 * `verbose`; diffs with `diff`; the recap and the failures at the end.
 */
import type { OpResult, Playbook, RunResult, Stage } from './playbook.js';
import { formatRecap, type Reporter } from './reporter.js';

/** A step this long is long work: said with its time when it ends (plain), shown running with its elapsed time (terminal). */
export const LONG_STEP_MS = 3000;

/** ` [12.3 s]` for a long step, '' otherwise. */
export function tookText(durationMs: number): string {
  return durationMs >= LONG_STEP_MS ? ` [${(durationMs / 1000).toFixed(1)} s]` : '';
}

export interface PlainReporterOptions {
  write: (text: string) => void;
  diff?: boolean;
  verbose?: boolean;
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n') + '\n';
}

export function plainReporter(options: PlainReporterOptions): Reporter {
  const { write } = options;
  return {
    runStart(playbook: Playbook, check: boolean) {
      write(`${playbook.name}${check ? ' (check mode: nothing will be changed)' : ''}\n`);
    },
    stageStart(stage: Stage, hosts: readonly string[]) {
      write(`stage ${stage.name}: ${hosts.join(', ')}${stage.serial ? ' (one at a time)' : ''}\n`);
    },
    taskEnd(r: OpResult) {
      if (r.status === 'failed') {
        write(`  failed   ${r.error}\n`);
        return;
      }
      if (r.status === 'ok' && !options.verbose && r.durationMs < LONG_STEP_MS) return;
      if (r.status === 'skipped' && !options.verbose && r.kind !== 'stage') return;
      const note = r.message ? ` (${r.message})` : '';
      write(`  ${r.status.padEnd(8)} ${r.host} ${r.role} › ${r.task}${note}${tookText(r.durationMs)}\n`);
      if (options.diff && r.diff) write(indent(r.diff));
    },
    runEnd(result: RunResult) {
      write(`recap (${(result.durationMs / 1000).toFixed(1)} s):\n${indent(formatRecap(result))}`);
      if (result.failures.length) write(`failed:\n${indent(result.failures.join('\n'))}`);
    },
  };
}
