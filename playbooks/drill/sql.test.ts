import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answeringServer, clientWriteSql, lostIds, writtenXid, parseSample, prepareSql, sampleCommand, syncReplicationOn } from './sql.js';

describe('drill SQL', () => {
  it('a sample: writable only out of recovery with the probe committed in time', () => {
    expect(parseSample('m1:recovery=f\nm1:rc=0\n')).toBe('writable');
    expect(parseSample('m1:recovery=t\nm1:rc=0\n')).toBe('read-only');
    // statement_timeout hit, or the fence made the server refuse writes
    expect(parseSample('m1:recovery=f\nERROR:  canceling statement due to statement timeout\nm1:rc=3\n')).toBe('read-only');
    expect(parseSample('m1:recovery=f\nERROR:  cannot execute INSERT in a read-only transaction\nm1:rc=3\n')).toBe('read-only');
    // synchronous commit given up on: committed locally, not acknowledged in time
    expect(parseSample('m1:recovery=f\nWARNING:  canceling wait for synchronous replication due to user request\nm1:rc=0\n')).toBe('read-only');
    expect(parseSample('psql: error: connection to server on socket failed\nm1:rc=2\n')).toBe('stopped');
    expect(parseSample('m1:rc=124\n')).toBe('stopped');
  });

  it('the sample command is valid shell, bounded, naming the host it probes', () => {
    const c = sampleCommand(15, "it's-a");
    execFileSync('sh', ['-n', '-c', c]);
    expect(c).toMatch(/^timeout 2 /);
    expect(c).toContain('statement_timeout = 500');
  });

  it('the sample command really runs psql as postgres and reports its answer (runuser faked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm1-sample-'));
    writeFileSync(join(dir, 'runuser'), '#!/bin/sh\necho m1:recovery=f\n', { mode: 0o755 });
    const out = execFileSync('sh', ['-c', sampleCommand(15, 'a')], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` } });
    rmSync(dir, { recursive: true, force: true });
    expect(parseSample(out)).toBe('writable');
  });

  it('the client tables are granted to the client user, quoted', () => {
    expect(prepareSql('app')).toContain('GRANT SELECT, INSERT ON m1.drill_writes TO "app"');
    expect(syncReplicationOn('m1:sync=t')).toBe(true);
    expect(syncReplicationOn('m1:sync=f')).toBe(false);
  });

  it('a write names its server; lost ids are the acknowledged ones missing', () => {
    expect(clientWriteSql(7)).toContain('VALUES (7)');
    expect(answeringServer('m1:server=m1-b\n')).toBe('m1-b');
    expect(answeringServer('m1:server=m1-c/0\n')).toBe('m1-c');
    // by address: Patroni gives every member the same cluster_name
    expect(answeringServer('m1:server=10.0.0.3\n', new Map([['10.0.0.3', 'm1-c']]))).toBe('m1-c');
    expect(clientWriteSql(1)).toContain('inet_server_addr()');
    expect(lostIds([1, 2, 3], [1, 3])).toEqual([2]);
  });

  it("a write returns its transaction id as pg_waldump prints it (txid_current's epoch dropped); an answer without one gives none", () => {
    expect(clientWriteSql(7)).toContain('txid_current() % 4294967296');
    expect(writtenXid('m1:server=10.0.0.3/1057\n')).toBe('1057');
    expect(answeringServer('m1:server=10.0.0.3/1057\n', new Map([['10.0.0.3', 'm1-c']]))).toBe('m1-c');
    expect(writtenXid('m1:server=10.0.0.3\n')).toBeUndefined();
    expect(writtenXid('ERROR:  cannot execute INSERT in a read-only transaction\n')).toBeUndefined();
  });
});
