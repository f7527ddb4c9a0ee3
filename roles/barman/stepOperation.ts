/**
 * One step of barmanPlan() as an engine operation: runs the step's shell
 * command as barman on the Barman host. Output matching `alreadyDone` means
 * the step had nothing to do (ok); a step marked `tolerateFailure` reports a
 * failure as a note and lets the plan go on (ok); any other failure fails the
 * host with the command's stderr. In check mode nothing runs (changed).
 */
import { HostError } from '../../src/errors.js';
import { defineOperation, lastLines } from '../../src/engine/index.js';
import { asBarman } from '../../src/products/barman/commands.js';
import type { BarmanStep } from '../../src/products/barman/plan.js';

/** The first line of a step's command, for progress lines and errors (the full script is long). */
export function stepDisplay(step: BarmanStep): string {
  return `${step.user}: ${step.display ?? step.command.split('\n')[0]!.trim()}`;
}

const tail = (s: string) => lastLines(s, 3);

export const barmanStepOperation = defineOperation('command', (step: BarmanStep) => {
  const display = stepDisplay(step);
  return {
    name: step.why,
    async apply(ctx) {
      const r = await ctx.change({ cmd: asBarman(step.command), display, okCodes: Array.from({ length: 256 }, (_, i) => i), timeoutMs: 2 * 3600_000 });
      if (!r) return { status: 'changed', message: 'check mode: not run' };
      ctx.facts.invalidateAll();
      const out = `${r.stdout}\n${r.stderr}`;
      if (step.alreadyDone?.test(out)) return { status: 'ok', message: 'already done' };
      if (r.code === 0) return { status: 'changed', message: tail(r.stdout) || undefined };
      const why = `\`${display}\` exited ${r.code}${tail(r.stderr || r.stdout) ? `: ${tail(r.stderr || r.stdout)}` : ''}`;
      if (step.tolerateFailure) return { status: 'ok', message: `not done (tolerated): ${why}` };
      throw new HostError(why);
    },
  };
});
