/**
 * The shipped `bin/m1.js`, run as a child process the way a user runs it
 * (against the build in dist/, made current first): exit statuses, the
 * commands that need no hosts, and every command's lazily imported module
 * resolving in the build.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { ensureBuilt } from '../../support/dist.js';

const BIN = join(packageRoot, 'bin', 'm1.js');

interface Run {
  code: number;
  out: string;
  err: string;
}

function m1(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: packageRoot, env: { ...process.env, ...env }, timeout: 30_000 }, (err, out, errText) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out, err: errText });
    });
  });
}

let scratch: string;
beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(join(tmpdir(), 'm1-bin-'));
}, 600_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('bin/m1.js', () => {
  it('--help lists every command (exit 0)', async () => {
    const r = await m1(['--help']);
    expect(r.code, r.err).toBe(0);
    for (const cmd of ['configure', 'validate', 'provision', 'deprovision', 'deploy', 'show-password', 'status', 'switchover', 'test', 'drill']) {
      expect(r.out).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    }
  });

  it('--version prints the version of package.json (exit 0)', async () => {
    const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await m1(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${pkg.version}\n`);
  });

  it('an unknown option or command is exit 2 with a hint, and prints nothing on stdout', async () => {
    for (const args of [['--no-such-flag'], ['deploy', scratch, '--no-such-flag'], ['no-such-command']]) {
      const r = await m1(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/unknown (option|command)/);
      expect(r.err).toContain('(run with --help for usage)');
      expect(r.out).toBe('');
    }
  });

  it('every command pointed at a directory without config.yml is exit 2 naming the file, and creates nothing', async () => {
    const dir = join(scratch, 'nothing-here');
    const commands = [
      ['validate', dir],
      ['provision', dir],
      ['deprovision', dir, '--yes'],
      ['deploy', dir],
      ['show-password', dir, 'postgres'],
      ['rotate-password', dir, 'postgres'],
      ['status', dir],
      ['switchover', dir, 'some-replica'],
      ['test', dir],
      ['drill', dir, 'crash-primary', '--yes'],
    ];
    const runs = await Promise.all(commands.map((args) => m1(args)));
    runs.forEach((r, n) => {
      const what = commands[n]!.join(' ');
      expect(r.code, `${what}: ${r.err}`).toBe(2);
      expect(r.err, what).toContain(`${join(dir, 'config.yml')}: no such file; create it with \`m1 configure`);
      expect(r.err, what).not.toMatch(/internal error|at .*\.js:\d+/);
    });
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it("rotate-password: etcd's root password, or a user with no stored password, is exit 2 with the reason and the fix, before any host is asked; nothing is written", async () => {
    const dir = join('inventories', 'm1', 'repmgr-docker');
    const runs = await Promise.all([m1(['rotate-password', dir, 'etcd_root']), m1(['rotate-password', dir, 'nobody'])]);
    expect(runs.map((r) => r.code)).toEqual([2, 2]);
    expect(runs[0]!.err).toContain("rotate-password etcd_root: etcd's root password is not rotated by m1");
    expect(runs[1]!.err).toContain(`rotate-password nobody: no password stored for nobody in ${resolve(dir, 'secrets')} (known: none; run \`m1 deploy ${dir}\` first)`);
    for (const r of runs) expect(r.out).toBe('');
    expect(existsSync(join(dir, 'secrets'))).toBe(false);
  });

  it('drill: an unknown scenario or a duration under 20 s is exit 2, no --yes without a terminal exit 3, before any host is asked', async () => {
    const dir = join('inventories', 'm1', 'repmgr-docker');
    const runs = await Promise.all([
      m1(['drill', dir, 'crash-everything', '--yes']),
      m1(['drill', dir, 'crash-primary', '--duration', '10', '--yes']),
      m1(['drill', dir, 'crash-primary', '--duration', 'soon', '--yes']),
      m1(['drill', dir, 'crash-primary']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 3]);
    expect(runs[0]!.err).toMatch(/unknown scenario "crash-everything": one of crash-primary, partition-primary/);
    expect(runs[1]!.err).toContain('--duration 10: at least 20 seconds');
    expect(runs[3]!.err).toContain('rerun with --yes');
    for (const r of runs) expect(r.out).toBe('');
  });

  it('--help lists each command on one short line; the detail and an example are in the command\'s own --help', async () => {
    const r = await m1(['--help']);
    const list = r.out.slice(r.out.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n').filter(Boolean);
    const names = list.map((l) => /^ {2}(\S+)/.exec(l)?.[1]);
    // no continuation lines: every line of the list starts a command
    expect(names.every((n) => n !== undefined)).toBe(true);
    for (const line of list) expect(line.length, line).toBeLessThanOrEqual(130);
    for (const name of names.filter((n) => n !== 'help')) {
      const own = await m1([name!, '--help']);
      expect(own.code, name).toBe(0);
      expect(own.out, name).toMatch(new RegExp(`\nExamples?:\n {2}m1 ${name} `));
      // the command's own description says more than its line in the list
      const description = own.out.split('\n\n')[1]!;
      expect(description.length, name).toBeGreaterThan(list.find((l) => l.startsWith(`  ${name} `))!.trim().length - 40);
    }
  });

  it('drill --help shows an example', async () => {
    const r = await m1(['drill', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Example:\n  m1 drill clusters/m1 crash-primary');
  });

  it('output into a pipe its reader closed (m1 status | head) ends quietly', async () => {
    const r = await new Promise<Run>((resolve) => {
      execFile('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" test --help | true; echo done`], { cwd: packageRoot }, (err, out, errText) =>
        resolve({ code: err ? Number(err.code) : 0, out, err: errText }),
      );
    });
    // `true` exits without reading: m1's first write meets a closed pipe
    expect(r.out).toBe('done\n');
    expect(r.err).toBe('');
  });

  it('validate prints the topology of an example cluster (exit 0)', async () => {
    const r = await m1(['validate', join('inventories', 'm1', 'repmgr-docker')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^repmgr-docker {2}M1, PostgreSQL 15, repmgr, docker /);
    expect(r.out).toMatch(/tiger {2}primary/);
    expect(r.out).toMatch(/└─ walrus {2}replica/);
    expect(r.err).toBe('');
  });

  it('configure writes config.yml into a new directory and prints the topology; run again, it refuses (exit 2) and leaves the file', async () => {
    const dir = join(scratch, 'made');
    const r = await m1(['configure', dir, '--architecture', 'M1', '--postgresql', '16', '--failover-manager', 'patroni', '--platform', 'docker']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Wrote ${join(dir, 'config.yml')}\n\nmade {2}M1, PostgreSQL 16, patroni, docker `));
    const written = await readFile(join(dir, 'config.yml'), 'utf8');
    expect(written).toMatch(/failover_manager: patroni/);
    const again = await m1(['configure', dir, '--architecture', 'M1', '--postgresql', '15', '--failover-manager', 'repmgr']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists; m1 configure never overwrites it/);
    expect(await readFile(join(dir, 'config.yml'), 'utf8')).toBe(written);
    // and the directory it made validates, through the shipped binary too
    expect((await m1(['validate', dir])).code).toBe(0);
  });
});

describe('startup: the CLI imports a command only when it runs', () => {
  let traces = 0;
  /** Every module a run loads (ESM and CommonJS), as paths relative to the package root. */
  async function modulesLoadedBy(args: readonly string[]): Promise<string[]> {
    const trace = join(scratch, `trace-${++traces}`);
    const hook = join(packageRoot, 'test', 'support', 'moduleTrace', 'register.mjs');
    const r = await new Promise<Run>((resolve) => {
      execFile(process.execPath, ['--import', hook, BIN, ...args], { cwd: packageRoot, env: { ...process.env, M1_MODULE_TRACE: trace } }, (err, out, errText) =>
        resolve({ code: err ? Number(err.code) : 0, out, err: errText }),
      );
    });
    expect(r.code, r.err).toBe(0);
    const text = await readFile(trace, 'utf8');
    return [...new Set(text.split('\n').filter((l) => l.startsWith('file://') || l.startsWith('/')))].map((l) =>
      l.replace(/^file:\/\//, '').replace(`${packageRoot}/`, ''),
    );
  }

  /** The npm packages among them. */
  const packages = (mods: string[]) => [...new Set(mods.flatMap((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1] ?? []))].sort();

  /** The CLI bundle's chunks among them (dist/cli/, see scripts/bundle-cli.mjs), with their code. */
  const chunks = async (mods: string[]) =>
    Promise.all(mods.filter((m) => m.startsWith('dist/cli/')).map(async (m) => ({ name: m, code: await readFile(join(packageRoot, m), 'utf8') })));
  /** Code that marks a chunk holding the engine, SSH, a platform or a role. */
  const HEAVY = [/from "ssh2"/, /import\("dockerode"\)/, /defineRole\(/, /class Engine\b/, /from "handlebars"/, /from "@aws-sdk\/client-ec2"/];

  it.each(['--help', 'deploy --help', 'status --help'])('m1 %s loads commander and the CLI only: no Docker, SSH or engine code', async (line) => {
    const mods = await modulesLoadedBy(line.split(' '));
    expect(packages(mods)).toEqual(['commander']);
    const loaded = await chunks(mods);
    // the trace works: it saw the CLI's entry
    expect(loaded.map((c) => c.name)).toContain('dist/cli/main.js');
    expect(loaded.filter((c) => HEAVY.some((re) => re.test(c.code))).map((c) => c.name)).toEqual([]);
    // and the chunks it did not load hold that code (the markers are real)
    const deploy = await modulesLoadedBy(['deploy', '--help']).then(() => readFile(join(packageRoot, 'dist', 'cli', 'main.js'), 'utf8'));
    expect(deploy).toMatch(/import\("\.\/deploy-[\w-]+\.js"\)/);
  });

  it('deploy and status load no Docker client up front (dockerode, its gRPC and protobuf: only when a container is to be made or changed) and no AWS SDK (only for an aws cluster)', async () => {
    for (const mod of ['dist/playbooks/deploy/deploy.js', 'dist/playbooks/operate/status.js', 'dist/src/platforms/index.js']) {
      const trace = join(scratch, `trace-${++traces}`);
      const hook = join(packageRoot, 'test', 'support', 'moduleTrace', 'register.mjs');
      const r = await new Promise<Run>((resolve) => {
        execFile(process.execPath, ['--import', hook, '--input-type=module', '-e', `await import(${JSON.stringify(join(packageRoot, mod))})`], { cwd: packageRoot, env: { ...process.env, M1_MODULE_TRACE: trace } }, (err, out, errText) =>
          resolve({ code: err ? Number(err.code) : 0, out, err: errText }),
        );
      });
      expect(r.code, r.err).toBe(0);
      const text = await readFile(trace, 'utf8');
      expect(text, mod).toContain(mod);
      expect(text.split('\n').filter((l) => /node_modules\/(dockerode|docker-modem|@grpc|protobufjs|@aws-sdk|@smithy)\//.test(l)), mod).toEqual([]);
    }
  });

  it('the AWS SDK stays an npm import (not bundled), in a chunk reached only by a dynamic import', async () => {
    const dir = join(packageRoot, 'dist', 'cli');
    const files = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.js')).map(async (f) => ({ name: f, code: await readFile(join(dir, f), 'utf8') })));
    const sdk = files.filter((f) => /from "@aws-sdk\/client-ec2"/.test(f.code));
    expect(sdk.map((f) => f.name)).toHaveLength(1);
    expect(sdk[0]!.name).not.toBe('main.js');
    // bundled, the SDK's own code would show its client class here
    expect(files.some((f) => /class EC2Client\b/.test(f.code))).toBe(false);
    const importers = files.filter((f) => f.code.includes(`"./${sdk[0]!.name}"`));
    expect(importers.length).toBeGreaterThan(0);
    for (const f of importers) expect(f.code, f.name).toMatch(new RegExp(`import\\("\\./${sdk[0]!.name.replace(/[.-]/g, '\\$&')}"\\)`));
  });

  it('m1 validate loads the config model but still no Docker or SSH code', async () => {
    const mods = await modulesLoadedBy(['validate', join('inventories', 'm1', 'repmgr-docker')]);
    expect(packages(mods)).toContain('yaml');
    expect(packages(mods).filter((p) => ['dockerode', 'docker-modem', 'ssh2', 'node-ssh'].includes(p))).toEqual([]);
    expect((await chunks(mods)).filter((c) => HEAVY.some((re) => re.test(c.code))).map((c) => c.name)).toEqual([]);
  });
});
