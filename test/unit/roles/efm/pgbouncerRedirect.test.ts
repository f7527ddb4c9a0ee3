/**
 * The post-promotion script, run for real under /bin/sh: a temporary
 * databases file, the current user as its owner (so no sudo), and a stand-in
 * `systemctl` that names a process which records the SIGHUP it receives.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PGBOUNCER_REDIRECT_SCRIPT,
  pgbouncerDatabasesLine,
  pgbouncerRedirectSettings,
  redirectScript,
} from '../../../../src/products/efm/pgbouncerRedirect.js';
import { efmProperties } from '../../../../src/products/efm/properties.js';
import { byName, cascadedLayout } from './clusters.js';

const cluster = cascadedLayout();

describe('pgbouncerDatabasesLine', () => {
  it('is the line form the pgbouncer role writes', () => {
    expect(pgbouncerDatabasesLine('kaftan', 5432)).toBe('* = host=kaftan port=5432 auth_user=pgbouncer_auth_user');
  });
});

describe('the redirect script on a PgBouncer node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm1-efm-redirect-'));
  const bin = join(dir, 'bin');
  const databases = join(dir, 'pgbouncer.databases.ini');
  const script = join(dir, 'redirect');
  const hupMarker = join(dir, 'hup');
  let pgbouncer: ChildProcess;

  beforeAll(() => {
    mkdirSync(bin);
    // Stands in for PgBouncer: notes each SIGHUP (reload) it gets.
    pgbouncer = spawn('sh', ['-c', `trap 'echo hup >> ${hupMarker}' HUP; while :; do sleep 0.05; done`], { stdio: 'ignore' });
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\n[ "$*" = "show --property MainPID --value pgbouncer" ] && echo ${pgbouncer.pid}\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    writeFileSync(databases, `${pgbouncerDatabasesLine('kaboom', 5432)}\n`, { mode: 0o640 });
    writeFileSync(script, redirectScript(cluster, byName(cluster, 'kaput'), { databasesFile: databases, owner: userInfo().username }));
    chmodSync(script, 0o755);
  });
  afterAll(() => {
    pgbouncer.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    spawnSync('sh', [script, ...args], { encoding: 'utf8', env: { PATH: `${bin}:${process.env['PATH']}` } });
  const hups = () => (existsSync(hupMarker) ? readFileSync(hupMarker, 'utf8').split('\n').filter(Boolean).length : 0);
  const waitForHups = async (n: number) => {
    for (let i = 0; i < 40 && hups() < n; i++) await new Promise((r) => setTimeout(r, 50));
    return hups();
  };

  it('points the databases file at the new primary, keeps its mode, and reloads PgBouncer', async () => {
    const r = run('10.33.0.3');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(databases, 'utf8')).toBe(`${pgbouncerDatabasesLine('10.33.0.3', 5432)}\n`);
    expect(statSync(databases).mode & 0o777).toBe(0o640);
    expect(r.stdout).toMatch(/now points at 10\.33\.0\.3 \(reloaded\)/);
    expect(await waitForHups(1)).toBe(1);
  });

  it('does nothing, and does not reload, when it already points there', async () => {
    const r = run('10.33.0.3');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/already points at 10\.33\.0\.3/);
    await new Promise((res) => setTimeout(res, 200));
    expect(hups()).toBe(1);
  });

  it('takes a hostname too (efm_bind_by_hostname)', () => {
    expect(run('kaftan').status).toBe(0);
    expect(readFileSync(databases, 'utf8')).toBe(`${pgbouncerDatabasesLine('kaftan', 5432)}\n`);
  });

  it('refuses anything that is not an address, leaving the file alone', () => {
    for (const bad of [[], [''], ['x;reboot'], ['a b'], ['$(id)']]) {
      const r = run(...bad);
      expect(r.status, JSON.stringify(bad)).toBe(2);
    }
    expect(readFileSync(databases, 'utf8')).toBe(`${pgbouncerDatabasesLine('kaftan', 5432)}\n`);
    // No temporary file left behind by any run.
    expect(readdirSync(dir).filter((f) => f.startsWith('pgbouncer.databases.ini.'))).toEqual([]);
  });
});

describe('the redirect script on a node without PgBouncer', () => {
  it('exits 0 with a note (the witness gets the same efm_conf_settings)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm1-efm-redirect-'));
    try {
      const script = join(dir, 'redirect');
      writeFileSync(script, redirectScript(cluster, byName(cluster, 'kapok'), { databasesFile: join(dir, 'absent.ini') }));
      const r = spawnSync('sh', [script, '10.33.0.3'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/no PgBouncer on this node/);
      expect(existsSync(join(dir, 'absent.ini'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('turning the redirect on', () => {
  it('is two efm_conf_settings keys, both known EFM properties, passing %p', () => {
    const settings = pgbouncerRedirectSettings();
    expect(settings).toEqual({
      'script.post.promotion': `${PGBOUNCER_REDIRECT_SCRIPT} %p`,
      'script.remote.post.promotion': `${PGBOUNCER_REDIRECT_SCRIPT} %p`,
    });
    const c = cascadedLayout({ efm_conf_settings: settings });
    const r = efmProperties(c, byName(c, 'kaftan'));
    expect(r.warnings).toEqual([]);
    expect(r.properties.get('script.post.promotion')).toBe(`${PGBOUNCER_REDIRECT_SCRIPT} %p`);
  });

  it('uses the databases line it is given', () => {
    const custom = (host: string, port: number) => `appdb = host=${host} port=${port} dbname=app`;
    const text = redirectScript(cluster, byName(cluster, 'kaput'), { databasesLine: custom });
    expect(text).toContain(`line='appdb = host='"$new_primary"' port=5432 dbname=app'`);
    expect(() => redirectScript(cluster, byName(cluster, 'kaput'), { databasesLine: () => 'no host here' })).toThrow(/exactly once/);
  });
});
