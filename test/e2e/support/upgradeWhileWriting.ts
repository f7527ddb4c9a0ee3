/**
 * `m1 upgrade --json` while a client writes one acknowledged row at a time
 * through an entry point, as the upgrade e2e scenarios (repmgr + PgBouncer,
 * Patroni + HAProxy) run it: the writer's figures logged, and the promises
 * issue 13 makes checked: no acknowledged row lost, at least 5 rows a
 * second through the whole upgrade, refusals only inside its switchover.
 */
import { expect } from 'vitest';
import type { Writer, WriterResult } from '../../../playbooks/bench/writer.js';
import type { UpgradeOutcome } from '../../../playbooks/operate/upgrade/run.js';
import { m1, type CliRun } from './m1.js';

export interface WritingOptions {
  /** Names the upgrade in the log line (versions, manager). */
  label: string;
  /** Names the entry point the writer goes through, in the log line. */
  through: string;
  /** The ids of the writer's table on that host (the new primary). */
  idsOn: (host: string) => Promise<Set<number>>;
}

export async function upgradeWhileWriting(dir: string, writer: Writer, o: WritingOptions): Promise<{ up: CliRun; out: UpgradeOutcome }> {
  let up!: CliRun;
  let w!: WriterResult;
  let u0 = 0;
  let u1 = 0;
  try {
    await writer.waitForMore(20, 60_000);
    u0 = Date.now();
    up = await m1('upgrade', dir, '--json');
    u1 = Date.now();
    await writer.waitForMore(20, 60_000);
    w = await writer.stop();
  } finally {
    await writer.stop();
  }
  expect(up.code, up.out + up.err).toBe(0);
  const out = JSON.parse(up.out) as UpgradeOutcome;
  const sw = out.switchovers;
  expect(sw).toHaveLength(1);
  // Rows acknowledged while the upgrade ran, and when the client saw refusals.
  const during = w.acked.filter((a) => w.startedAtEpochMs + a.atMs >= u0 && w.startedAtEpochMs + a.atMs <= u1);
  const rate = during.length / ((u1 - u0) / 1000);
  const swFrom = sw[0]!.startedAtEpochMs;
  const swTo = swFrom + sw[0]!.ms;
  const failedAt = w.failedAtMs.map((t) => w.startedAtEpochMs + t);
  const outside = failedAt.filter((t) => t < swFrom - 1000 || t > swTo + 1000);
  const outage = failedAt.length ? Math.max(...failedAt) - Math.min(...failedAt) : 0;
  const present = await o.idsOn(sw[0]!.to);
  const lost = w.acked.filter((a) => !present.has(a.id)).map((a) => a.id);
  console.log(
    `upgrade ${o.label}: ${((u1 - u0) / 1000).toFixed(1)} s in all (reading ${(out.readMs / 1000).toFixed(1)} s, download ${(out.downloadMs / 1000).toFixed(1)} s); ` +
      `per host: ${out.hostMs.map((h) => `${h.host} ${(h.ms / 1000).toFixed(1)} s`).join(', ')}; switchover ${sw[0]!.from} -> ${sw[0]!.to} ${(sw[0]!.ms / 1000).toFixed(1)} s ` +
      `(writes accepted after ${((sw[0]!.writableAfterMs ?? 0) / 1000).toFixed(1)} s); writer through ${o.through}: ${during.length} rows acknowledged during the upgrade (${rate.toFixed(1)}/s), ` +
      `${w.failures} refused attempts over ${(outage / 1000).toFixed(1)} s, longest window without a write ${(w.longestGapMs / 1000).toFixed(1)} s; ${lost.length} acknowledged rows lost`,
  );
  expect(lost).toEqual([]);
  expect(rate).toBeGreaterThanOrEqual(5);
  expect(outside, `refusals outside the switchover window ${new Date(swFrom).toISOString()}..${new Date(swTo).toISOString()}: ${w.errors.join(' | ')}`).toEqual([]);
  return { up, out };
}
