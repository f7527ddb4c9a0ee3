import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeRejoinCommand } from '../../../../src/products/repmgr/commands.js';
import { REJOIN_CONF_KEEP, checkpointOnPrimary, rejoinCommand } from '../../../../src/products/repmgr/rejoin.js';
import { asPostgres } from '../../../../src/products/postgres/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const cmd = rejoinCommand({ version: 15, me: 'alpha', primary: 'beta' });

/**
 * Runs the command for real, in a temp data directory, with `repmgr node
 * rejoin` replaced by `fake` (a shell snippet run in the data directory) and
 * systemctl by a stub that logs its calls.
 */
function run(fake: string, checkpoint = 'true', command = cmd) {
  const d = mkdtempSync(join(tmpdir(), 'm1-rejoin-'));
  dirs.push(d);
  const data = join(d, 'data');
  mkdirSync(join(data, 'conf.d'), { recursive: true });
  chmodSync(data, 0o750);
  writeFileSync(join(data, 'postgresql.conf'), "include_dir = 'conf.d'\n");
  writeFileSync(join(data, 'pg_hba.conf'), 'alpha hba\n');
  writeFileSync(join(data, 'conf.d', '0000-tpa.conf'), "ssl_cert_file = '/etc/m1/ssl/alpha.crt'\n");
  const bin = join(d, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${join(d, 'systemctl.log')}\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  const body = command
    .replace(asPostgres(nodeRejoinCommand(15, 'beta')), `(cd ${data} && ${fake})`)
    .replace(checkpointOnPrimary({ version: 15, me: 'alpha', primary: 'beta' }), checkpoint)
    .replaceAll(REJOIN_CONF_KEEP, join(d, 'keep'))
    .replaceAll('/opt/postgres/data', data);
  const r = spawnSync('sh', ['-c', body], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } });
  const log = existsSync(join(d, 'systemctl.log')) ? readFileSync(join(d, 'systemctl.log'), 'utf8').trim().split('\n') : [];
  return { code: r.status, out: r.stdout, err: r.stderr, data, log, keepLeft: existsSync(join(d, 'keep')), dataMode: statSync(data).mode & 0o777 };
}

describe('rejoinCommand', () => {
  it('runs repmgr node rejoin --force-rewind against the live primary, as postgres', () => {
    expect(cmd).toContain(asPostgres(nodeRejoinCommand(15, 'beta')));
    expect(nodeRejoinCommand(15, 'beta')).toContain("-d 'host=beta port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' node rejoin --force-rewind");
    expect(spawnSync('sh', ['-n', '-c', cmd]).status).toBe(0);
  });

  it('puts the host\'s own configuration back after pg_rewind copied the primary\'s, then starts it as a standby', () => {
    const r = run(
      "echo \"ssl_cert_file = '/etc/m1/ssl/beta.crt'\" > conf.d/0000-tpa.conf && echo 'beta hba' > pg_hba.conf && touch standby.signal && exit 6",
    );
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(r.data, 'conf.d', '0000-tpa.conf'), 'utf8')).toContain('alpha.crt');
    expect(readFileSync(join(r.data, 'pg_hba.conf'), 'utf8')).toBe('alpha hba\n');
    expect(r.out).toContain("alpha's configuration files put back (pg_rewind had copied beta's)");
    expect(r.log).toEqual(['stop postgres', 'start postgres']);
    expect(r.keepLeft).toBe(false);
    // The data directory itself keeps its mode (the keep directory's 0700 root-only mode must not spill onto it).
    expect(r.dataMode).toBe(0o750);
  });

  it('only starts the server when the files came through unchanged', () => {
    const r = run('touch standby.signal');
    expect(r.code, r.err).toBe(0);
    expect(r.log).toEqual(['start postgres']);
    expect(r.out).toContain('alpha rejoined as a standby of beta');
  });

  it('checkpoints the live primary first (its control file must show the new timeline for pg_rewind), and stops if it cannot', () => {
    expect(checkpointOnPrimary({ version: 15, me: 'alpha', primary: 'beta' })).toBe(
      asPostgres("/usr/lib/postgresql/15/bin/psql -XAtq -v ON_ERROR_STOP=1 -d 'host=beta port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt connect_timeout=10' -c CHECKPOINT"),
    );
    expect(cmd.indexOf('CHECKPOINT')).toBeLessThan(cmd.indexOf('node rejoin'));
    const r = run('touch standby.signal', 'false');
    expect(r.code).toBe(1);
    expect(r.err).toContain('CHECKPOINT on beta failed');
    expect(r.log).toEqual([]);
  });

  it('a running standby is stopped only after the live primary answered its CHECKPOINT, then rewound', () => {
    const running = rejoinCommand({ version: 15, me: 'alpha', primary: 'beta', running: true });
    expect(running.indexOf('CHECKPOINT')).toBeLessThan(running.indexOf('systemctl stop postgres'));
    expect(running.indexOf('systemctl stop postgres')).toBeLessThan(running.indexOf('node rejoin'));
    const refused = run('touch standby.signal', 'false', running);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('CHECKPOINT on beta failed');
    expect(refused.log).toEqual([]);
    const done = run('touch standby.signal', 'true', running);
    expect(done.code, done.err).toBe(0);
    expect(done.log).toEqual(['stop postgres', 'start postgres']);
    expect(done.out).toContain('alpha rejoined as a standby of beta');
  });

  it('fails, leaving Postgres down, when the rejoin did not make it a standby', () => {
    const r = run('true');
    expect(r.code).toBe(1);
    expect(r.err).toContain('repmgr node rejoin (exit 0) did not make alpha a standby of beta');
    expect(r.log).toEqual([]);
  });

  it('a standby (standby.signal already there) whose rejoin stopped before rewinding: left down, never restarted as it was', () => {
    const r = run('touch standby.signal && echo "ERROR: unable to retrieve primary node record" && exit 1');
    expect(r.code).toBe(1);
    expect(r.out).toContain('unable to retrieve primary node record');
    expect(r.err).toContain('m1: repmgr node rejoin exited 1 without rewinding alpha: ERROR: unable to retrieve primary node record (its whole output above); Postgres stays down on alpha');
    expect(r.log).toEqual(['stop postgres']);
  });

  it('a pg_rewind that failed part-way: left down, this host\'s files put back, never started', () => {
    const r = run(
      "echo 'beta hba' > pg_hba.conf && touch standby.signal && echo 'NOTICE: executing pg_rewind' && echo 'pg_rewind: error: could not open file' && echo 'ERROR: pg_rewind execution failed' && echo 'DETAIL: exit 1' && exit 24",
    );
    expect(r.code).toBe(1);
    // repmgr's reasons in the error itself, its NOTICEs left out.
    expect(r.err).toContain('m1: pg_rewind failed on alpha: pg_rewind: error: could not open file ERROR: pg_rewind execution failed DETAIL: exit 1 (its whole output above)');
    expect(readFileSync(join(r.data, 'pg_hba.conf'), 'utf8')).toBe('alpha hba\n');
    expect(r.log).not.toContain('start postgres');
    expect(r.keepLeft).toBe(false);
  });
});
