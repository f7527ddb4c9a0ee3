import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReadingCommand, parseReading } from '../../../src/live/reading.js';
import { barmanBackups } from '../../../src/live/facts/barmanBackups.js';
import { barmanCheck, parseBarmanCheck } from '../../../src/live/facts/barmanCheck.js';
import { barmanServerConf, barmanTargetState } from '../../../src/live/facts/barmanServer.js';
import { readRecorded } from './recorded.js';

const server = (s: string) => ({
  conf: barmanServerConf(s, `/etc/barman.d/${s}.conf`),
  state: barmanTargetState(s, `/var/lib/m1/barman/${s}.target`),
  backups: barmanBackups(s, `/var/lib/barman/${s}`),
  check: barmanCheck(s, `runuser -u barman -- /usr/bin/barman check ${s}`),
});

describe('the Barman facts, recorded on Barman 3.4.0', () => {
  it("a server's backups from backup.info, its check, its conf and m1's recorded target", () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-beech', server('live-rp'));
    expect(facts.backups).toEqual([{ id: '20261204T160631', status: 'DONE', endTime: '2026-12-04 16:06:34.930177+00:00', timeline: 1, beginWal: '000000010000000000000005' }]);
    expect(facts.check).toMatchObject({ ok: true, failed: [] });
    expect(facts.check?.output).toMatch(/^Server live-rp:\n\tPostgreSQL: OK\n/);
    expect(facts.conf).toMatch(/^\[live-rp\]$/m);
    expect(facts.state).toBe('live-rp-willow');
  });

  it('after the switchover to yew m1 recorded the new target', () => {
    expect(readRecorded('repmgr-switchover', 'live-rp-beech', server('live-rp')).facts.state).toBe('live-rp-yew');
  });

  it("barman check's FAILED lines are the reasons; timeout's 124 is one more", () => {
    const c = parseBarmanCheck(1, 'Server x:\n\tPostgreSQL: OK\n\treplication slot: FAILED (slot not initialised)\n\treceive-wal running: FAILED (See the Barman log file for more details)\n');
    expect(c.ok).toBe(false);
    expect(c.failed).toEqual(['replication slot: FAILED (slot not initialised)', 'receive-wal running: FAILED (See the Barman log file for more details)']);
    expect(parseBarmanCheck(124, 'Server x:\n').failed).toEqual(['barman check did not finish in time (a backed-up host that does not answer?)']);
  });

  it('bounds barman check in time', () => {
    expect((barmanCheck('x', 'barman check x').read as { shell: string }).shell).toMatch(/out=\$\(timeout 12 barman check x 2>&1\)/);
  });
});

describe('the backups fact on a real shell', () => {
  it('reads every backup.info (none: an empty list), sorted by id', () => {
    const server = mkdtempSync(join(tmpdir(), 'm1-live-bbackup-'));
    const base = join(server, 'base');
    mkdirSync(base);
    try {
      const reading = { facts: { backups: barmanBackups('m1', server) } };
      const read = () => parseReading(reading, execFileSync('sh', ['-c', buildReadingCommand(reading)]).toString()).facts.backups;
      expect(read()).toEqual([]);
      for (const [id, status] of [['20261122T032144', 'DONE'], ['20261122T032044', 'DONE'], ['20261122T032057', 'FAILED']] as const) {
        mkdirSync(join(base, id));
        writeFileSync(join(base, id, 'backup.info'), `backup_id=${id}\nstatus=${status}\ntimeline=1\n`);
      }
      expect(read().map((b) => [b.id, b.status, b.timeline])).toEqual([['20261122T032044', 'DONE', 1], ['20261122T032057', 'FAILED', 1], ['20261122T032144', 'DONE', 1]]);
      // Barman 3.13.2+ (Debian 13) keeps it in <server>/meta/<id>-backup.info.
      mkdirSync(join(server, 'meta'));
      writeFileSync(join(server, 'meta', '20261123T000000-backup.info'), 'backup_id=20261123T000000\nstatus=DONE\ntimeline=2\n');
      expect(read().map((b) => [b.id, b.status, b.timeline]).at(-1)).toEqual(['20261123T000000', 'DONE', 2]);
    } finally {
      rmSync(server, { recursive: true, force: true });
    }
  });
});
