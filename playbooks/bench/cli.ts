/**
 * `npm run bench:cli`: m1 as a user meets it, whole processes (node started,
 * m1 loaded, the work, the exit) timed from outside, median of RUNS, as JSON
 * on stdout with each target and whether it holds. On the default cluster
 * (configure's defaults: repmgr, two data nodes, Barman + witness; packages
 * preinstalled in the image), deployed first:
 * - `m1 --help` and `m1 validate`: under 0.3 s;
 * - `m1 deploy` with nothing to change and `m1 status`: at most 0.3 s more
 *   than the time the command reports for its own work, and the no-op
 *   deploy's own time under 1.2 s.
 * The cluster lives in <tmp>/m1-bench-cli and is removed afterwards
 * (M1_BENCH_KEEP=1 keeps it).
 *
 *   M1_BENCH_RUNS (default 5)
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../../src/errors.js';
import { packageRoot } from '../../src/packageRoot.js';
import { makeBenchCluster, median, removeBenchCluster } from './benchCluster.js';

const ROOT = join(tmpdir(), 'm1-bench-cli');
const RUNS = Math.max(1, Number(process.env['M1_BENCH_RUNS'] ?? 5));
const BIN = join(packageRoot, 'bin', 'm1.js');
const log = (s: string) => process.stderr.write(`bench:cli: ${s}\n`);

interface Timed {
  wholeS: number;
  /** What the command says its own work took, when it says it. */
  ownS?: number;
  code: number;
}

/** Runs `m1 args` as a new process; its wall time from spawn to exit, and the time it reports (`(0.9 s)` / `(read in 1.1 s)` on its last line). */
export function timeM1(args: readonly string[]): Promise<Timed> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: packageRoot, maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
      const wholeS = (performance.now() - t0) / 1000;
      const last = out.trimEnd().split('\n').at(-1) ?? '';
      const own = /\((?:read in )?(\d+(?:\.\d+)?) s\)$/.exec(last);
      resolve({ wholeS, ...(own ? { ownS: Number(own[1]) } : {}), code: err ? Number((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

async function series(name: string, args: readonly string[], okCodes: readonly number[] = [0]): Promise<{ wholeS: number | null; ownS: number | null; overheadS: number | null }> {
  const runs: Timed[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timeM1(args);
    if (!okCodes.includes(r.code)) throw new HostError(`m1 ${args.join(' ')}: exit ${r.code}`);
    runs.push(r);
  }
  const whole = median(runs.map((r) => r.wholeS));
  const owns = runs.flatMap((r) => (r.ownS === undefined ? [] : [r.ownS]));
  const own = owns.length === runs.length ? median(owns) : null;
  const overhead = own === null ? null : median(runs.map((r) => r.wholeS - r.ownS!));
  log(`${name}: whole ${whole?.toFixed(2)} s${own !== null ? `, own ${own.toFixed(2)} s, overhead ${overhead?.toFixed(2)} s` : ''} (median of ${RUNS})`);
  return { wholeS: round(whole), ownS: round(own), overheadS: round(overhead) };
}

async function main(): Promise<void> {
  const dir = join(ROOT, 'm1benchcli');
  const started = new Date().toISOString();
  log(`deploying the default cluster in ${dir}`);
  await makeBenchCluster(dir, { architecture: 'M1', failoverManager: 'repmgr', postgresql: '15' });
  try {
    // Warm: the first deploy after set-up may still settle (Barman's first check record).
    await timeM1(['deploy', dir]);
    const help = await series('--help', ['--help']);
    const validate = await series('validate', ['validate', dir]);
    const deploy = await series('deploy (no-op)', ['deploy', dir]);
    const status = await series('status', ['status', dir, '--timeout', '10']);
    const targets = {
      help_under_0_3_s: help.wholeS !== null && help.wholeS < 0.3,
      validate_under_0_3_s: validate.wholeS !== null && validate.wholeS < 0.3,
      deploy_overhead_at_most_0_3_s: deploy.overheadS !== null && deploy.overheadS <= 0.3,
      deploy_own_under_1_2_s: deploy.ownS !== null && deploy.ownS < 1.2,
      status_overhead_at_most_0_3_s: status.overheadS !== null && status.overheadS <= 0.3,
    };
    const result = { bench: 'cli', date: started, runs: RUNS, node: process.version, cluster: 'default (repmgr, 3 hosts)', help, validate, deploy, status, targets, pass: Object.values(targets).every(Boolean) };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (!process.env['M1_BENCH_KEEP']) await removeBenchCluster(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:cli: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
