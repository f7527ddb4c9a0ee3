/**
 * Plain line output (logs, CI, pipes): one line per change, failure and
 * skipped stage; every operation with `verbose`; diffs with `diff`; the recap
 * and the failures at the end.
 */
import type { OpResult, Playbook, RunResult, Stage } from './playbook.js';
import { formatRecap, type Reporter } from './reporter.js';

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
      if (r.status === 'ok' && !options.verbose) return;
      if (r.status === 'skipped' && !options.verbose && r.kind !== 'stage') return;
      const note = r.message ? ` (${r.message})` : '';
      write(`  ${r.status.padEnd(8)} ${r.host} ${r.role} › ${r.task}${note}\n`);
      if (options.diff && r.diff) write(indent(r.diff));
    },
    runEnd(result: RunResult) {
      write(`recap (${(result.durationMs / 1000).toFixed(1)} s):\n${indent(formatRecap(result))}`);
      if (result.failures.length) write(`failed:\n${indent(result.failures.join('\n'))}`);
    },
  };
}
