/**
 * The lock under contention, with real processes: N of them take it at the
 * same instant, each retrying until it holds it, round after round, from a
 * clean directory, over a stale lock (dead pid) and over an old empty one.
 * Each logs the interval it held the lock (monotonic clock, shared by every
 * process of the machine) to one file opened in append mode; no two
 * intervals may overlap.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileForChildren } from '../../../test/support/transpile.js';
import { LOCK_FILE } from './lock.js';

const PROCESSES = 8;
// M1_LOCK_RACE_ROUNDS=400 for a longer run (about 2 min here).
const ROUNDS = Number(process.env.M1_LOCK_RACE_ROUNDS ?? 50);
// lock.ts and what it imports, compiled to plain JS for the child processes.
const SOURCES = ['src/engine/run/lock.ts', 'src/errors.ts', 'src/exitCodes.ts', 'src/inventory/displayText.ts'];

const CHILD = `
import { appendFileSync } from 'node:fs';
import { acquireLock } from './src/engine/run/lock.js';
const [dir, log] = process.argv.slice(2);
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
process.on('message', ({ round, at }) => {
  // Start together: sleep until 2 ms before the instant, then spin (sleeping is too coarse).
  pause(Math.max(0, Number(BigInt(at) - process.hrtime.bigint()) / 1e6 - 2));
  while (process.hrtime.bigint() < BigInt(at)) {}
  let refusals = 0;
  let lock;
  for (;;) {
    try { lock = acquireLock(dir, 'race'); break; }
    catch (e) { if (e.name !== 'RefusedError') throw e; refusals++; pause(Math.random()); }
  }
  const from = process.hrtime.bigint();
  pause(0.2); // hold it a while
  const to = process.hrtime.bigint();
  lock.release();
  appendFileSync(log, round + ' ' + process.pid + ' ' + from + ' ' + to + ' ' + refusals + '\\n');
  process.send('done');
});
process.on('disconnect', () => process.exit(0));
`;

type Start = 'clean' | 'stale' | 'empty';

interface Hold {
  round: number;
  pid: number;
  from: bigint;
  to: bigint;
  refusals: number;
}

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'm1-lockrace-'));
  transpileForChildren(work, SOURCES);
  writeFileSync(join(work, 'child.js'), CHILD);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** One round: every child is told the same start instant; resolves when all have held and released. */
function round(children: ChildProcess[], n: number): Promise<void> {
  const at = process.hrtime.bigint() + 20_000_000n; // 20 ms from now
  return Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`child ${c.pid} exited ${code} in round ${n}`));
          c.once('exit', onExit);
          c.once('message', () => {
            c.off('exit', onExit);
            resolve();
          });
          c.send({ round: n, at: at.toString() });
        }),
    ),
  ).then(() => undefined);
}

function prepare(dir: string, start: Start): void {
  const path = join(dir, LOCK_FILE);
  if (start === 'stale') {
    const dead = spawnSync('true').pid!;
    writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), command: 'deploy', started: 'then' }));
  } else if (start === 'empty') {
    writeFileSync(path, '');
    const old = Date.now() / 1000 - 60;
    utimesSync(path, old, old);
  }
}

function holds(log: string): Hold[] {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [round, pid, from, to, refusals] = line.split(' ');
      return { round: Number(round), pid: Number(pid), from: BigInt(from!), to: BigInt(to!), refusals: Number(refusals) };
    });
}

describe.each<Start>(['clean', 'stale', 'empty'])('cluster lock race, starting %s', (start) => {
  it(`${PROCESSES} processes x ${ROUNDS} rounds: every process holds the lock, never two at once`, async () => {
    const dir = mkdtempSync(join(work, `${start}-`));
    const log = join(work, `${start}.log`);
    const children = Array.from({ length: PROCESSES }, () =>
      fork(join(work, 'child.js'), [dir, log], { cwd: work, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const began = Date.now();
    try {
      for (let n = 0; n < ROUNDS; n++) {
        prepare(dir, start);
        await round(children, n);
        expect(readdirSync(dir), `round ${n} left files behind`).toEqual([]);
      }
    } finally {
      for (const c of children) c.kill();
    }
    const all = holds(log);
    expect(all).toHaveLength(PROCESSES * ROUNDS);
    for (let n = 0; n < ROUNDS; n++) {
      expect(new Set(all.filter((h) => h.round === n).map((h) => h.pid)).size, `round ${n}`).toBe(PROCESSES);
    }
    const sorted = [...all].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const overlaps = sorted.filter((h, i) => i > 0 && h.from <= sorted[i - 1]!.to);
    expect(overlaps).toEqual([]);
    const refusals = all.reduce((s, h) => s + h.refusals, 0);
    console.log(`lock race (${start}): ${PROCESSES} processes x ${ROUNDS} rounds in ${Date.now() - began} ms, ${refusals} refusals retried`);
  }, ROUNDS * 2000); // about 3 s idle; the machine may be busy with other tests
});
