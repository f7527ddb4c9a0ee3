import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGatherCommand, parseGather } from '../../../playbooks/deploy/gather.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('live facts read before deploy', () => {
  it('is one valid sh script, with the package source check only when asked', () => {
    const withSource = buildGatherCommand({ version: 15, checkPackageSource: true });
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
    const g = parseGather(out);
    expect(g.memoryMb).toBeGreaterThan(0);
    expect(g.running).toBe(false);
    expect(g.dataDirVersion).toBeUndefined();
  });

  it('parses a streaming replica as a host printed it', () => {
    const out = [
      'm1:mem=24105',
      'm1:pgdata=15',
      'm1:pkg=15.18-0+deb12u1',
      'm1:pg=/opt/postgres/data|t|m1dev1-severn|1|7710831876192010598|1795317982',
      `m1:conf:0000-tpa.conf=${b64('work_mem = 16MB\n')}`,
    ].join('\n');
    const g = parseGather(out);
    expect(g).toMatchObject({ memoryMb: 24105, dataDirVersion: '15', serverPackage: '15.18-0+deb12u1', running: true, inRecovery: true, upstreamHost: 'm1dev1-severn', timeline: 1 });
    expect(g.systemIdentifier).toBe('7710831876192010598');
    expect(g.confFiles['0000-tpa.conf']).toBe('work_mem = 16MB\n');
  });

  it('ignores a server that is not m1s (the package default cluster on the same socket)', () => {
    const g = parseGather('m1:mem=100\nm1:pg=/var/lib/postgresql/15/main|f||1|1|1\n');
    expect(g.running).toBe(false);
  });

  it('tells a missing package with no candidate from an installable one', () => {
    const none = parseGather('m1:pkg=\nm1:candidate=(none)\n');
    expect(none.serverPackage).toBeUndefined();
    expect(none.candidate).toBe('(none)');
    expect(parseGather('m1:pkg=\nm1:candidate=15.18-0+deb12u1\n').candidate).toBe('15.18-0+deb12u1');
  });
});
