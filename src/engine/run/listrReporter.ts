/**
 * Progress on a terminal with listr2: per stage, one line per host showing
 * the role and task it is on; changes and failures scroll above; the recap
 * at the end. Falls back to plain lines when stdout is not a terminal.
 */
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { OpResult, RunResult, Stage } from './playbook.js';
import { LONG_STEP_MS, plainReporter } from './plainReporter.js';
import { formatRecap, type Reporter } from './reporter.js';

export interface ProgressOptions {
  diff?: boolean;
  verbose?: boolean;
  /** Where plain lines go (default stdout). */
  write?: (text: string) => void;
  /** Force the listr2 display (default: when stdout is a terminal). */
  tty?: boolean;
}

interface HostTask {
  task?: ListrTaskWrapper<unknown, never, never>;
  done?: (failed: string | undefined) => void;
  /** Why the host sat the stage out. */
  skipped?: string;
  /** Set when the host finished before listr2 started its task. */
  ended?: { failed: string | undefined };
  /** The step it is on, and since when (performance.now()). */
  current?: { text: string; since: number };
  counts: { changed: number; failed: number };
}

/** What a host's line shows for the step it is on: its elapsed time once it is long work. */
export function runningText(step: string, since: number, now: number): string {
  return now - since >= LONG_STEP_MS ? `${step} (running ${Math.floor((now - since) / 1000)} s)` : step;
}

/** listr2 on a terminal, plain lines otherwise. */
export function progressReporter(options: ProgressOptions = {}): Reporter {
  const write = options.write ?? ((t: string) => void process.stdout.write(t));
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  if (!tty) return plainReporter({ write, diff: options.diff, verbose: options.verbose });
  let hosts = new Map<string, HostTask>();
  let running: Promise<unknown> | undefined;
  // A long step (clone, package install, base backup) shows its elapsed time, updated every second.
  let ticker: NodeJS.Timeout | undefined;
  const tick = (now = performance.now()) => {
    for (const e of hosts.values()) {
      if (e.task && e.current) e.task.output = runningText(e.current.text, e.current.since, now);
    }
  };
  return {
    stageStart(stage: Stage, names: readonly string[]) {
      hosts = new Map(names.map((h) => [h, { counts: { changed: 0, failed: 0 } }]));
      const hostTasks = names.map((h) => ({
        title: h,
        task: (_: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
          new Promise<void>((resolve, reject) => {
            const entry = hosts.get(h)!;
            entry.task = task;
            entry.done = (failed) => {
              if (failed) return reject(new Error(failed));
              if (entry.skipped) task.skip(`${h}: skipped (${entry.skipped})`);
              resolve();
            };
            if (entry.ended) entry.done(entry.ended.failed);
          }),
      }));
      // One parent task per stage, its hosts below it, running side by side.
      const list = new Listr(
        [
          {
            title: `stage ${stage.name}${stage.serial ? ' (one at a time)' : ''}`,
            task: (_: unknown, t: ListrTaskWrapper<unknown, never, never>) => t.newListr(hostTasks as never, { concurrent: true, exitOnError: false } as never),
          },
        ] as never,
        { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } } as never,
      );
      running = list.run().catch(() => undefined);
      ticker = setInterval(tick, 1000);
      ticker.unref();
    },
    taskStart(host: string, role: string, task: string) {
      const entry = hosts.get(host);
      if (!entry) return;
      entry.current = { text: `${role} › ${task}`, since: performance.now() };
      if (entry.task) entry.task.output = entry.current.text;
    },
    taskEnd(r: OpResult) {
      const entry = hosts.get(r.host);
      if (!entry) return;
      if (r.kind === 'stage' && r.status === 'skipped') entry.skipped = r.message;
      if (r.status === 'changed') entry.counts.changed++;
      if (r.status === 'failed') entry.counts.failed++;
      if (entry.task) entry.task.title = `${r.host}  changed=${entry.counts.changed}${entry.counts.failed ? ` failed=${entry.counts.failed}` : ''}`;
      if (options.diff && r.diff && entry.task) entry.task.output = `${r.task}\n${r.diff}`;
    },
    hostEnd(_stage: Stage, host: string, failed: string | undefined) {
      const entry = hosts.get(host);
      if (!entry) return;
      entry.ended = { failed };
      entry.current = undefined;
      entry.done?.(failed);
    },
    async stageEnd() {
      await running;
      clearInterval(ticker);
    },
    runEnd(result: RunResult) {
      write(`recap (${(result.durationMs / 1000).toFixed(1)} s):\n${formatRecap(result).replace(/^/gm, '    ')}\n`);
      if (result.failures.length) write(`failed:\n${result.failures.map((f) => `    ${f}`).join('\n')}\n`);
    },
  };
}
