import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGatherCommand, parseGather } from '../../../playbooks/deploy/gather.js';
import { recorded } from '../live/recorded.js';

const o = { version: 15, checkPackageSource: true } as const;

describe('live facts read before deploy', () => {
  it('is one valid sh script, with the package source check only when asked', () => {
    const withSource = buildGatherCommand(o);
    const without = buildGatherCommand({ version: 15, checkPackageSource: false });
    execFileSync('sh', ['-n', '-c', withSource]);
    execFileSync('sh', ['-n', '-c', without]);
    expect(withSource).toContain('apt-cache policy postgresql-15');
    expect(without).not.toContain('apt-cache');
    // the versioned psql, never Debian's pg_wrapper
    expect(withSource).toContain('/usr/lib/postgresql/15/bin/psql');
  });

  it('runs on a host without Postgres and reports nothing running', () => {
    // This machine has no /opt/postgres and no m1 socket: only memory and package lines come back.
    const out = execFileSync('sh', ['-c', buildGatherCommand({ version: 15, checkPackageSource: false })]).toString();
    const g = parseGather(o, out);
    expect(g.memoryMb).toBeGreaterThan(0);
    expect(g.node).toBeUndefined();
    expect(g.dataDirVersion).toBeUndefined();
  });

  it('reads a cascaded replica as it answered (recorded on PostgreSQL 15.18)', () => {
    const g = parseGather(o, recorded('repmgr-deployed', 'live-rp-acacia'));
    expect(g).toMatchObject({ memoryMb: 24105, dataDirVersion: '15', serverPackage: '15.18-0+deb12u1' });
    expect(g.node).toMatchObject({ inRecovery: true, timeline: 1, systemIdentifier: '7715480789995184496' });
    expect(g.receiver?.senderHost).toBe('live-rp-yew');
    expect(g.confFiles['0000-tpa.conf']).toMatch(/^# m1 defaults a reload applies/);
  });

  it('ignores a server that is not m1s (the package default cluster on the same socket)', () => {
    const g = parseGather(o, 'm1:mem=100\nm1:pgerr=the server on the socket runs from /var/lib/postgresql/15/main, not /opt/postgres/data\n');
    expect(g.node).toBeUndefined();
  });

  it('tells a missing package with no candidate from an installable one', () => {
    const none = parseGather(o, 'm1:pkg=\nm1:pkg:candidate=(none)\n');
    expect(none.serverPackage).toBeUndefined();
    expect(none.candidate).toBe('(none)');
    expect(parseGather(o, 'm1:pkg=\nm1:pkg:candidate=15.18-0+deb12u1\n').candidate).toBe('15.18-0+deb12u1');
  });
});
