import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDatabasesFile, onRoleChangeScript } from '../../../../src/products/patroni/onRoleChange.js';
import { databasesIni, pgbouncerDatabases } from '../../../../src/products/pgbouncer/databases.js';
import { instance, patroniCluster } from './fixture.js';
import { scratchDir } from '../../../support/scratch.js';

/** Runs the script with fake ssh and pkill that record what they were asked. */
function run(script: string, role: string) {
  const dir = scratchDir('m1-orc-');
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/ssh.args\ncat > ${dir}/ssh.stdin\n`);
  writeFileSync(join(bin, 'pkill'), `#!/bin/sh\necho "$@" >> ${dir}/pkill.calls\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
  chmodSync(join(bin, 'pkill'), 0o755);
  const path = join(dir, 'scriptfile.sh');
  writeFileSync(path, script, { mode: 0o755 });
  execFileSync('sh', [path, 'on_role_change', role, 'patroni1'], { env: { PATH: `${bin}:/usr/bin:/bin` } });
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
  return { dir, read };
}

describe('on_role_change script', () => {
  it('is only written when PgBouncer exists', () => {
    const c = patroniCluster();
    expect(onRoleChangeScript({ cluster: c, instance: instance(c, 'kaboom') })).toBeUndefined();
  });

  it('on promotion, points the local and the remote PgBouncer at this node and reloads them', () => {
    const c = patroniCluster({ pgbouncer: true, haproxy: false });
    const probe = scratchDir('m1-orc-db-');
    const dbFile = join(probe, 'pgbouncer.databases.ini');
    writeFileSync(dbFile, defaultDatabasesFile(c)({ host: 'kaboom', port: 5432 }));
    const script = onRoleChangeScript({ cluster: c, instance: instance(c, 'kaftan'), databasesPath: dbFile })!;
    const { read } = run(script, 'master');
    // Local file: exactly what deploy (the pgbouncer role) writes for leader kaftan.
    const expected = databasesIni(pgbouncerDatabases(c), 'kaftan', 5432);
    expect(expected).toContain('* = host=kaftan port=5432 auth_user=pgbouncer_auth_user');
    expect(readFileSync(dbFile, 'utf8')).toBe(expected);
    expect(read('pkill.calls')).toBe('-HUP -x pgbouncer\n');
    // Remote: postgres@kaboom's address, batch mode, same content on stdin.
    const args = read('ssh.args')!.trim().split('\n');
    expect(args.slice(0, 5)).toEqual(['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'postgres@10.33.0.2']);
    expect(read('ssh.stdin')).toBe(expected);
    // The remote command, run here against another file, replaces it and HUPs.
    const remoteFile = join(probe, 'remote.ini');
    const remote = args[5]!.replace(dbFile, remoteFile);
    const fakeBin = join(probe, 'bin');
    execFileSync('mkdir', [fakeBin]);
    writeFileSync(join(fakeBin, 'pkill'), `#!/bin/sh\necho "$@" > ${probe}/remote-pkill\n`, { mode: 0o755 });
    execFileSync('sh', ['-c', remote], { input: 'new content\n', env: { PATH: `${fakeBin}:/usr/bin:/bin` } });
    expect(readFileSync(join(probe, 'remote-pkill'), 'utf8')).toBe('-HUP -x pgbouncer\n');
    expect(readFileSync(remoteFile, 'utf8')).toBe('new content\n');
  });

  it("acts on Patroni 4's role name primary (Debian 13) as on 3.0's master", () => {
    const c = patroniCluster({ pgbouncer: true, haproxy: false });
    const probe = scratchDir('m1-orc-db-');
    const dbFile = join(probe, 'pgbouncer.databases.ini');
    writeFileSync(dbFile, 'before\n');
    const script = onRoleChangeScript({ cluster: c, instance: instance(c, 'kaftan'), databasesPath: dbFile })!;
    const { read } = run(script, 'primary');
    expect(readFileSync(dbFile, 'utf8')).toBe(databasesIni(pgbouncerDatabases(c), 'kaftan', 5432));
    expect(read('pkill.calls')).toBe('-HUP -x pgbouncer\n');
  });

  it('does nothing for a replica or a demoted node', () => {
    const c = patroniCluster({ pgbouncer: true, haproxy: false });
    const probe = scratchDir('m1-orc-db-');
    const dbFile = join(probe, 'pgbouncer.databases.ini');
    writeFileSync(dbFile, 'untouched\n');
    const script = onRoleChangeScript({ cluster: c, instance: instance(c, 'kaftan'), databasesPath: dbFile })!;
    for (const role of ['replica', 'demoted']) {
      const { read } = run(script, role);
      expect(read('ssh.args')).toBeUndefined();
      expect(read('pkill.calls')).toBeUndefined();
    }
    expect(readFileSync(dbFile, 'utf8')).toBe('untouched\n');
  });

  it('takes another renderer when given', () => {
    const c = patroniCluster({ pgbouncer: true, haproxy: false });
    const script = onRoleChangeScript({
      cluster: c,
      instance: instance(c, 'kaboom'),
      databasesFile: (l) => `appdb = host=${l.host} port=${l.port} dbname=app\n`,
    })!;
    expect(script).toContain("content='appdb = host=kaboom port=5432 dbname=app\n'");
  });
});
