/**
 * A client that keeps writing numbered rows through one entry point (e.g. a
 * PgBouncer), one connection per row like a reconnecting application,
 * retrying after any failure. Each attempt gets a new number, so a row is
 * "acknowledged" only when the server said INSERT 0 1; afterwards every
 * acknowledged number must be in the table. Uses the machine's psql client.
 */
import { HostError } from '../../src/errors.js';
import { spawn } from 'node:child_process';
import { lastLines } from '../../src/engine/text/tail.js';
import { verifyFullConninfo } from '../../src/products/postgres/conninfoValue.js';

export interface WriterTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  /** Table with an integer primary key `id` (created by the caller). */
  table: string;
  /** The cluster CA's certificate on this machine: the server is verified against it (verify-full). */
  caFile: string;
  /** psql binary (default: PostgreSQL 15's). */
  psql?: string;
}

export interface WriterResult {
  /** Numbers the server acknowledged, with when (ms since the writer started). */
  acked: { id: number; atMs: number }[];
  attempts: number;
  failures: number;
  /** Longest time between two acknowledged writes (or from the start to the first), ms. */
  longestGapMs: number;
  /** When that gap started (ms since start). */
  longestGapFromMs: number;
  /** The last few distinct errors, for the report. */
  errors: string[];
  /** When each failed attempt ended (ms since the writer started): where a client saw refusals. */
  failedAtMs: number[];
  /** When the writer started (epoch ms), to set its times beside another clock's. */
  startedAtEpochMs: number;
}

function insertOnce(t: WriterTarget, id: number, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const conninfo = `host=${t.host} port=${t.port} dbname=${t.database ?? 'postgres'} user=${t.user} ${verifyFullConninfo(t.caFile)} connect_timeout=3 application_name=m1_writer`;
    const child = spawn(t.psql ?? '/usr/lib/postgresql/15/bin/psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', conninfo, '-c', `INSERT INTO ${t.table} (id) VALUES (${id})`], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: t.password, PGCONNECT_TIMEOUT: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { ok: true } : { ok: false, error: lastLines(err, 1) || `psql exited ${code}` });
    });
  });
}

export class Writer {
  private readonly target: WriterTarget;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly started = performance.now();
  private readonly startedEpoch = Date.now();
  private next: number;
  private readonly result: WriterResult = { acked: [], attempts: 0, failures: 0, longestGapMs: 0, longestGapFromMs: 0, errors: [], failedAtMs: [], startedAtEpochMs: 0 };

  constructor(target: WriterTarget, firstId = 1) {
    this.target = target;
    this.next = firstId;
  }

  get ackedCount(): number {
    return this.result.acked.length;
  }

  start(): this {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const id = this.next++;
        this.result.attempts++;
        const r = await insertOnce(this.target, id, 10_000);
        if (r.ok) this.result.acked.push({ id, atMs: Math.round(performance.now() - this.started) });
        else {
          this.result.failures++;
          this.result.failedAtMs.push(Math.round(performance.now() - this.started));
          if (r.error && !this.result.errors.includes(r.error)) this.result.errors = [...this.result.errors, r.error].slice(-5);
          // A short pause, like a client's retry, so a dead server is not hammered.
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    })();
    return this;
  }

  /** Resolves once `n` more rows than now have been acknowledged, or rejects after `timeoutMs`. */
  async waitForMore(n: number, timeoutMs: number): Promise<void> {
    const goal = this.ackedCount + n;
    const deadline = performance.now() + timeoutMs;
    while (this.ackedCount < goal) {
      if (performance.now() > deadline) throw new HostError(`writer: ${this.ackedCount - goal + n} of ${n} writes acknowledged within ${timeoutMs} ms (last errors: ${this.result.errors.join(' | ')})`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  async stop(): Promise<WriterResult> {
    this.running = false;
    await this.loop;
    this.result.startedAtEpochMs = this.startedEpoch;
    let prev = 0;
    for (const a of this.result.acked) {
      if (a.atMs - prev > this.result.longestGapMs) {
        this.result.longestGapMs = a.atMs - prev;
        this.result.longestGapFromMs = prev;
      }
      prev = a.atMs;
    }
    return this.result;
  }
}
