/** What `m1 restore` prints last: the backup used, the WAL replayed, the new cluster, the time each phase took. Pure. */
import type { RestoreOutcome } from './run.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatRestore(o: RestoreOutcome): string {
  const b = o.backup;
  const f = o.finish;
  const t = o.timings;
  return [
    `restore ${o.source} -> ${o.cluster} (${o.dir}): ${o.exitCode === 0 ? 'done' : 'the new cluster\'s deploy failed (see above); rerun m1 deploy ' + o.dir}`,
    `  backup used:  ${b.id} (Barman server ${o.server} on ${o.barmanHost}, ended ${b.endTime} at ${b.endLsn}, timeline ${b.timeline ?? '?'})`,
    `  WAL replayed: ${b.beginWal ?? '?'} (${b.beginLsn ?? '?'}) .. ${f.stopLsn ?? '?'}${f.reason ? ` (${f.reason})` : ''}; promoted to timeline ${f.timeline ?? '?'} on ${o.primary}`,
    `  times:        check ${s(t.checkMs)}, provision ${s(t.provisionMs)}, prepare ${s(t.prepareMs)}, recover ${s(t.recoverMs)}, promote ${s(t.promoteMs)}, deploy ${s(t.deployMs)}; total ${s(t.totalMs)}`,
    '',
  ].join('\n');
}
