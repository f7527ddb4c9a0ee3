import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR } from '../postgres/layout.js';
import { localPsql } from '../postgres/run.js';
import { divergenceReadCommand, parseDivergenceRead, standbyDivergence, type DivergenceInput } from './divergence.js';

// The primary (timeline 2) left timeline 1 at 0/8061528.
const history = [{ timeline: 1, forkLsn: '0/8061528' }];
const standby = (over: Partial<DivergenceInput>): DivergenceInput => ({ primaryTimeline: 2, segmentTimelines: [1], replayLsn: '0/8000000', history, ...over });

describe('standbyDivergence', () => {
  it('a standby that replayed the old primary’s WAL past the fork has diverged, and says where', () => {
    const d = standbyDivergence(standby({ replayLsn: '0/9000100' }));
    expect(d).toEqual({ diverged: true, why: "it replayed WAL of timeline 1 up to 0/9000100, past 0/8061528 where the primary's timeline 2 left it" });
  });

  it('WAL received past the fork but not replayed does not count (after a crash every standby may hold the partial record the promoted one cut off)', () => {
    expect(standbyDivergence(standby({ receiveLsn: '0/8061600', replayLsn: '0/8061528' }))).toEqual({ diverged: false });
  });

  it('a standby at or before the fork can follow the new timeline: not diverged', () => {
    expect(standbyDivergence(standby({ replayLsn: '0/8061528' }))).toEqual({ diverged: false });
    expect(standbyDivergence(standby({ replayLsn: '0/7000000' }))).toEqual({ diverged: false });
  });

  it('a standby holding WAL of the primary’s timeline has followed it, whatever its older WAL', () => {
    expect(standbyDivergence(standby({ segmentTimelines: [1, 2], replayLsn: '0/9000100' }))).toEqual({ diverged: false });
  });

  it('a timeline the primary’s history does not pass through, or a newer one, is diverged', () => {
    const h = [{ timeline: 1, forkLsn: '0/5000000' }, { timeline: 3, forkLsn: '0/7000000' }];
    expect(standbyDivergence(standby({ primaryTimeline: 4, segmentTimelines: [1, 2], history: h }))).toMatchObject({ diverged: true, why: expect.stringContaining('timeline 2 is not in the history') });
    expect(standbyDivergence(standby({ segmentTimelines: [3] }))).toMatchObject({ diverged: true, why: expect.stringContaining('newer than') });
  });

  it('a timeline older than any the history lists is unknown, not foreign (a history begun without its parent file): not diverged', () => {
    expect(standbyDivergence(standby({ primaryTimeline: 4, segmentTimelines: [1], history: [{ timeline: 3, forkLsn: '0/7000000' }], replayLsn: '0/9000000' }))).toEqual({ diverged: false });
  });

  it('what cannot be read decides nothing: the primary (not answering as one), its history, the replay position, the segments', () => {
    expect(standbyDivergence(standby({ primaryTimeline: undefined, segmentTimelines: [3] }))).toEqual({ diverged: false });
    expect(standbyDivergence(standby({ history: [], replayLsn: '0/9000000' }))).toEqual({ diverged: false });
    expect(standbyDivergence({ primaryTimeline: 2, segmentTimelines: [1], history })).toEqual({ diverged: false });
    expect(standbyDivergence(standby({ segmentTimelines: [] }))).toEqual({ diverged: false });
  });
});

describe('parseDivergenceRead', () => {
  it('reads segments, positions (either may be empty) and the history file', () => {
    const out = 'segments: 00000001 0000000A \npositions: |0/9000100\nhistory:\ntimeline: 2\n1\t0/8061528\tno recovery target specified\n\n';
    expect(parseDivergenceRead(out)).toEqual({ primaryTimeline: 2, segmentTimelines: [1, 10], replayLsn: '0/9000100', history });
    // The primary did not answer (or is in recovery): no timeline, no history.
    expect(parseDivergenceRead('segments: 00000001\npositions: 0/1|0/1\nhistory:\n')).toEqual({ segmentTimelines: [1], receiveLsn: '0/1', replayLsn: '0/1', history: [] });
  });
});

describe('divergenceReadCommand', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('lists the timelines of WAL segments only (a history file fetched from the new primary is not WAL of its timeline)', () => {
    const d = mkdtempSync(join(tmpdir(), 'm1-divergence-'));
    dirs.push(d);
    mkdirSync(join(d, 'pg_wal', 'archive_status'), { recursive: true });
    for (const f of ['000000010000000000000008', '000000010000000000000009', '00000002.history', '000000010000000000000007.partial']) {
      writeFileSync(join(d, 'pg_wal', f), '');
    }
    const cmd = divergenceReadCommand({ version: 15, primary: 'beta' });
    const body = cmd
      .replace(localPsql(15, 'postgres', `-c ${quote("SELECT coalesce(pg_last_wal_receive_lsn()::text, '') || '|' || coalesce(pg_last_wal_replay_lsn()::text, '')")}`), "echo '|0/9000100'")
      .replace(/\S*runuser[^\n]*host=beta[^\n]*/, "printf 'timeline: 2\\n1\\t0/8061528\\tno recovery target specified\\n'")
      .replaceAll(DATA_DIR, d);
    expect(body).not.toContain('runuser');
    const r = spawnSync('sh', ['-c', body], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const read = parseDivergenceRead(r.stdout);
    expect(read).toEqual({ primaryTimeline: 2, segmentTimelines: [1], replayLsn: '0/9000100', history });
    expect(standbyDivergence(read).diverged).toBe(true);
  });
});
