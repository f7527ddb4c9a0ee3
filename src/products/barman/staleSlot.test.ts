import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropStaleSlotCommand, staleSlotSql } from './staleSlot.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-stale-slot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Recorded on PostgreSQL 15 (a Patroni member promoted twice): IDENTIFY_SYSTEM and TIMELINE_HISTORY 3 through psql -XAtq.
const IDENTIFY = '7715965660453683761|3|0/100F68C8|';
const HISTORY = '00000003.history|1\t0/90000A0\tno recovery target specified\n\n2\t0/10063D40\tno recovery target specified\n';

/**
 * A fake psql answering the replication commands as recorded, and the slot
 * query with $STALE (writing what it was given to files); a fake
 * pg_receivewal that records it ran. The command's absolute pg_receivewal
 * path is replaced by the fake's.
 */
async function run(opts: { identify?: string; stale?: string }): Promise<{ code: number; stdout: string; stderr: string; sql: string; start: string; dropped: boolean }> {
  const psql = join(dir, 'psql');
  await writeFile(
    psql,
    [
      '#!/bin/sh',
      'for a in "$@"; do case "$a" in',
      `  IDENTIFY_SYSTEM) printf '%s\\n' '${opts.identify ?? IDENTIFY}'; exit 0;;`,
      `  'TIMELINE_HISTORY 3') printf '${HISTORY.replace(/\t/g, '\\t').replace(/\n/g, '\\n')}'; exit 0;;`,
      '  start=*) echo "${a#start=}" > start;;',
      'esac; done',
      'cat > sql',
      `echo '${opts.stale ?? '0'}'`,
    ].join('\n'),
  );
  const receivewal = join(dir, 'pg_receivewal');
  await writeFile(receivewal, '#!/bin/sh\necho "$@" > dropped\n');
  await chmod(psql, 0o755);
  await chmod(receivewal, 0o755);
  const cmd = dropStaleSlotCommand(15, 'beta', 'backup_gamma').replace('/usr/lib/postgresql/15/bin/pg_receivewal', receivewal);
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('sh', ['-c', cmd], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  const read = (f: string) => readFile(join(dir, f), 'utf8').catch(() => '');
  return { ...r, sql: await read('sql'), start: (await read('start')).trim(), dropped: (await read('dropped')) !== '' };
}

describe("dropping Barman's slot left before the new primary's timeline", () => {
  it('drops an inactive slot whose position lies before the segment where the timeline began, and says so', async () => {
    const r = await run({ stale: '1' });
    expect(r.code).toBe(0);
    expect(r.start).toBe('0/10063D40');
    expect(r.sql).toBe(`${staleSlotSql('backup_gamma')}\n`);
    expect(r.dropped).toBe(true);
    expect(r.stdout).toBe('dropped: its position lies before timeline 3 began at 0/10063D40\n');
  });

  it('keeps a slot the query does not find stale (active, or at or after that segment)', async () => {
    const r = await run({ stale: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('kept\n');
    expect(r.dropped).toBe(false);
  });

  it('keeps any slot on timeline 1 without asking: nothing came before it', async () => {
    const r = await run({ identify: '7715965660453683761|1|0/3000060|', stale: '1' });
    expect(r.stdout).toBe('kept\n');
    expect(r.sql).toBe('');
    expect(r.dropped).toBe(false);
  });

  it('fails, naming the host, when the timeline cannot be read (nothing dropped)', async () => {
    const r = await run({ identify: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the timeline of beta');
    expect(r.dropped).toBe(false);
  });

  it('compares the position with the start of its segment, passed as a psql variable rather than spliced into the SQL', () => {
    const sql = staleSlotSql('backup_gamma');
    expect(sql).toContain("slot_name = 'backup_gamma' AND NOT active");
    expect(sql).toContain("floor(pg_wal_lsn_diff(:'start', '0/0') / seg) * seg");
  });
});
