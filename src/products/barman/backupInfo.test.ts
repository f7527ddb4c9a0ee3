import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupInfoOfDir, forEachBackupInfo } from './backupInfo.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'm1-backupinfo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string) => execFileSync('sh', ['-c', script]).toString();

function backup(id: string, where: 'base' | 'meta', status: string) {
  mkdirSync(join(dir, 'base', id), { recursive: true });
  if (where === 'base') writeFileSync(join(dir, 'base', id, 'backup.info'), `status=${status}\n`);
  else {
    mkdirSync(join(dir, 'meta'), { recursive: true });
    writeFileSync(join(dir, 'meta', `${id}-backup.info`), `status=${status}\n`);
  }
}

describe('backup.info in both of Barman’s places', () => {
  const list = () => sh(forEachBackupInfo(dir, `echo "$id $(sed -n 's/^status=//p' "$f")"`)).trim().split('\n').filter(Boolean).sort();

  it('none: nothing', () => {
    expect(list()).toEqual([]);
  });

  it('reads base/<id>/backup.info (Barman < 3.13.2) and meta/<id>-backup.info (3.13.2+, Debian 13)', () => {
    backup('20261206T100000', 'base', 'DONE');
    backup('20261206T110000', 'meta', 'DONE');
    expect(list()).toEqual(['20261206T100000 DONE', '20261206T110000 DONE']);
  });

  it('a backup with both copies counts once, with the meta one (as Barman reads it)', () => {
    backup('20261206T100000', 'base', 'STARTED');
    backup('20261206T100000', 'meta', 'DONE');
    expect(list()).toEqual(['20261206T100000 DONE']);
  });

  it("a backup directory's backup.info: meta's when there, else the one beside it", () => {
    backup('20261206T100000', 'meta', 'FAILED');
    backup('20261206T110000', 'base', 'STARTED');
    const of = (id: string) => sh(`dir=${join(dir, 'base', id)}; ${backupInfoOfDir()}; cat "$f"`);
    expect(of('20261206T100000')).toBe('status=FAILED\n');
    expect(of('20261206T110000')).toBe('status=STARTED\n');
  });
});
