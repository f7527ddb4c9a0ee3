/**
 * The library API (src/index.ts) as a caller sees it: the functions are
 * there, they return data, print nothing on their own, and fail with the
 * typed errors whose exitCode is the CLI's.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as m1 from '../../src/index.js';
import { ConfigError, ExitCode, M1Error, UsageError, configure, deploy, deprovision, provision, showPassword, status, switchover, test, validate } from '../../src/index.js';

let root: string;
let printed: string[];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'm1-api-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Whatever a call writes on the process's stdout or stderr (it should be nothing).
beforeAll(() => {
  printed = [];
  const capture = (s: string | Uint8Array) => (printed.push(String(s)), true);
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterAll(() => vi.restoreAllMocks());
afterEach(() => {
  expect(printed).toEqual([]);
});

/** The rejection of a call that must fail. */
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('it resolved'), (e: unknown) => e);

describe('import from m1', () => {
  it('exports a function for every command', () => {
    for (const fn of [m1.configure, m1.validate, m1.provision, m1.deploy, m1.status, m1.switchover, m1.pause, m1.resume, m1.backup, m1.backups, m1.restore, m1.test, m1.showPassword, m1.rotatePassword, m1.deprovision]) {
      expect(typeof fn).toBe('function');
    }
  });

  it('configure writes config.yml and returns the modelled cluster; validate reads it back', async () => {
    const dir = join(root, 'libdemo');
    const made = await configure(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'repmgr', platform: 'docker' });
    expect(made.file).toBe(join(dir, 'config.yml'));
    expect(made.cluster.name).toBe('libdemo');
    expect(made.cluster.instances.map((i) => i.roles)).toEqual([['primary'], ['replica'], ['barman', 'log-server', 'witness']]);
    const { cluster, warnings } = await validate(dir);
    expect(cluster.instances.map((i) => i.name)).toEqual(made.cluster.instances.map((i) => i.name));
    expect(warnings).toEqual([]);
    expect(m1.renderTopologyTree(cluster)).toMatch(/^libdemo {2}M1, PostgreSQL 15, repmgr, docker/);
  });

  it('a bad option is a UsageError (exit 2) and writes nothing', async () => {
    const dir = join(root, 'badopt');
    const e = await failure(configure(dir, { architecture: 'M1', postgresql: '9', failoverManager: 'repmgr' }));
    expect(e).toBeInstanceOf(UsageError);
    expect((e as M1Error).exitCode).toBe(ExitCode.BadInput);
    await expect(validate(dir)).rejects.toBeInstanceOf(ConfigError);
  });

  it('every command on a directory without config.yml rejects with a ConfigError naming the file', async () => {
    const dir = join(root, 'missing');
    const calls: Promise<unknown>[] = [
      validate(dir),
      provision(dir),
      deploy(dir),
      status(dir),
      switchover(dir, 'x'),
      m1.pause(dir),
      m1.resume(dir),
      m1.backup(dir),
      m1.backups(dir),
      test(dir),
      showPassword(dir, 'postgres'),
      deprovision(dir, { confirm: async () => true }),
    ];
    for (const e of await Promise.all(calls.map(failure))) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).exitCode).toBe(2);
      expect((e as ConfigError).problems[0]).toMatchObject({ file: join(dir, 'config.yml'), path: '' });
    }
  });

  it('deploy reports through write only: without it, a run that stops early prints nothing', async () => {
    // EFM without its packages in check mode: deploy says what it leaves out, then stops (nothing provisioned yet).
    const dir = join(root, 'efmquiet');
    await configure(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'efm', platform: 'docker' });
    await failure(deploy(dir, { env: {}, check: true, skipPackages: ['efm'] }));
    const lines: string[] = [];
    await failure(deploy(dir, { env: {}, check: true, skipPackages: ['efm'], write: (t) => void lines.push(t) }));
    expect(lines.join('')).toMatch(/--skip-packages efm: db\.password\.encrypted left out/);
  });

  it('showPassword returns the stored password; an unknown user is a UsageError naming the known ones', async () => {
    const dir = join(root, 'secretive');
    await configure(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'repmgr', platform: 'docker' });
    await mkdir(join(dir, 'secrets'), { mode: 0o700 });
    await writeFile(join(dir, 'secrets', 'repmgr.password'), 'not-a-real-one\n', { mode: 0o600 });
    expect(await showPassword(dir, 'repmgr')).toBe('not-a-real-one');
    const e = await failure(showPassword(dir, 'nobody'));
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(/no password stored for nobody .*\(known: repmgr\)/);
  });

  it('deprovision asks confirm with what it would remove and the cluster name; declined, it removes nothing', async () => {
    const dir = join(root, 'barelib');
    await writeFile(join(root, 'hosts.txt'), 'b1 192.0.2.1\nb2 192.0.2.2\nb3 192.0.2.3\n');
    await configure(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'repmgr', platform: 'bare', hostnamesFrom: join(root, 'hosts.txt') });
    await writeFile(join(dir, 'inventory.json'), '{}');
    const asked: unknown[] = [];
    const declined = await deprovision(dir, { confirm: async (items, cluster) => (asked.push([items, cluster]), false) });
    expect(declined).toEqual({ status: 'declined', items: ['inventory.json'], cluster: 'barelib', configWarnings: [] });
    expect(asked).toEqual([[['inventory.json'], 'barelib']]);
    const removed = await deprovision(dir, { confirm: async () => true });
    expect(removed).toMatchObject({ status: 'removed', items: ['inventory.json'], cluster: 'barelib' });
    expect(await deprovision(dir, { confirm: async () => true })).toMatchObject({ status: 'nothing' });
  });
});
