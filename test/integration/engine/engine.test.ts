/**
 * Engine acceptance against three systemd + sshd containers provisioned by m1
 * (docker platform), then against the same containers declared as bare
 * clusters (root, then a sudo login user): the acceptance playbook converges
 * (first run changes, second 0 changed), check mode after a template change,
 * secrets never shown, a host cut off mid-run. One set of containers serves
 * the whole file; each bare run manages its own names (vars.app), so it
 * starts from scratch on the same hosts.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  command, connectorsFromInventory, defineRole, Engine, plainReporter, runPlaybook, Secrets, type RunResult,
} from '../../../src/engine/index.js';
import type { Inventory } from '../../../src/inventory/inventory.js';
import { bareTwinOf, provisionCluster, provisionTestCluster, removeTestClusters, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { acceptancePlaybook, type Vars } from './playbook.js';
import { e2eClusterName } from '../../support/testCluster.js';

const NAME = e2eClusterName('m1engacc');
const SUDO_USER = 'm1op';
const PASSWORD = 'Tr0ub4dor&3-m1eng-secret';
let hosts: ProvisionedTestCluster;
let names: string[];
const bare: ProvisionedTestCluster[] = [];
const output: string[] = [];

/** Where a run goes: a provisioned cluster directory and its inventory. */
type Target = Pick<ProvisionedTestCluster, 'dir' | 'inventory'>;

function connectors(t: Target) {
  return connectorsFromInventory(t.dir, t.inventory, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2, connectTimeoutMs: 3000 });
}

async function converge(t: Target, vars: Omit<Vars, 'password'>, options: { check?: boolean } = {}): Promise<RunResult> {
  const secrets = new Secrets();
  secrets.register(PASSWORD);
  return runPlaybook(acceptancePlaybook(names, { ...vars, password: PASSWORD }), {
    connectors: connectors(t),
    secrets,
    check: options.check,
    clusterDir: t.dir,
    command: 'test',
    reporter: plainReporter({ write: (text) => output.push(text), diff: true, verbose: true }),
  });
}

function hostCat(host: string, path: string): string {
  return execFileSync('docker', ['exec', host, 'cat', path]).toString();
}

/** A first run from scratch: more than 30 operations of every kind per host, most of them changes. */
function expectFirstRun(r: RunResult, app: string): void {
  expect(r.failures).toEqual([]);
  expect(r.exitCode).toBe(0);
  for (const h of names) {
    const ops = r.results.filter((x) => x.host === h && x.kind !== 'handler' && x.kind !== 'stage');
    expect(ops.length).toBeGreaterThanOrEqual(30);
    expect(r.recap[h]!.changed).toBeGreaterThan(20);
  }
  expect(new Set(r.results.map((x) => x.kind))).toEqual(
    new Set(['group', 'user', 'packages', 'directory', 'file', 'template', 'lineinfile', 'command', 'service', 'wait', 'handler']),
  );
  expect(hostCat(names[0]!, `/etc/${app}/app.conf`)).toContain('port = 8080');
  expect(hostCat(names[1]!, `/etc/${app}/limits.conf`)).toBe('nofile = 1024\ncore = 0\nnproc = 64\n');
  expect(execFileSync('docker', ['exec', names[2]!, 'systemctl', 'is-active', `${app}-app`]).toString()).toBe('active\n');
  // Files land with their owner and mode (set on the temporary file before its content).
  const attrs = (path: string) => execFileSync('docker', ['exec', names[0]!, 'stat', '-c', '%U:%G %a', path]).toString().trim();
  expect(attrs(`/opt/${app}/VERSION`)).toBe(`${app}-app:${app}-app 640`);
  expect(attrs(`/etc/${app}/password`)).toBe(`root:${app}-app 640`);
  expect(attrs(`/etc/${app}/secret.conf`)).toBe('root:root 600');
}

function expectConverged(r: RunResult): void {
  expect(r.failures).toEqual([]);
  for (const h of names) expect(r.recap[h]).toMatchObject({ changed: 0, failed: 0 });
}

beforeAll(async () => {
  await removeTestClusters(NAME);
  hosts = await provisionTestCluster({ name: NAME, fresh: true });
  names = hosts.inventory.hosts.map((h) => h.name);
});
afterAll(async () => {
  if (process.env.M1ENG_SHOW_OUTPUT) console.log(output.join(''));
  for (const b of bare) await b.teardown();
  await hosts?.teardown();
});

describe('engine on three containers provisioned by m1 (docker)', () => {
  it('first run changes things on every host', async () => {
    expectFirstRun(await converge(hosts, { port: 8080 }), 'm1eng');
  }, 300_000);

  it('second run changes nothing on any host', async () => {
    const r = await converge(hosts, { port: 8080 });
    expectConverged(r);
    console.log(`converged run: ${r.durationMs} ms for ${r.results.length} results on ${names.length} hosts`);
  }, 120_000);

  it('--check after a template change reports the diff and changes nothing', async () => {
    const before = hostCat(names[0]!, '/etc/m1eng/app.conf');
    const r = await converge(hosts, { port: 9090 }, { check: true });
    expect(r.exitCode).toBe(0);
    const tpl = r.results.filter((x) => x.task === 'template /etc/m1eng/app.conf');
    expect(tpl).toHaveLength(3);
    for (const t of tpl) {
      expect(t.status).toBe('changed');
      expect(t.diff).toContain('-port = 8080\n+port = 9090\n');
      expect(t.commands.every((c) => c.exit === null)).toBe(true);
    }
    for (const h of names) expect(r.recap[h]!.changed).toBe(2); // the template and its reload handler
    expect(hostCat(names[0]!, '/etc/m1eng/app.conf')).toBe(before);
  }, 120_000);
});

describe('the same containers declared as a bare cluster', () => {
  /** A bare twin of the docker hosts, provisioned (host keys recorded on first contact). */
  async function bareCluster(name: string, sudoUser?: string): Promise<ProvisionedTestCluster> {
    const dir = join(tmpdir(), `m1-test-${name}`);
    await rm(dir, { recursive: true, force: true }); // known_hosts of an earlier run's containers would be refused
    const twin = await provisionCluster(await bareTwinOf(hosts, name, { sudoUser, dir }));
    bare.push(twin);
    expect(twin.result.platform).toBe('bare');
    expect(twin.result.hosts.map((h) => h.status)).toEqual(['recorded', 'recorded', 'recorded']);
    expect(twin.inventory.hosts.map((h) => [h.address, h.user])).toEqual(hosts.inventory.hosts.map((h) => [h.address, sudoUser ?? 'root']));
    return twin;
  }

  it('as root: the playbook converges from scratch, then 0 changed', async () => {
    const twin = await bareCluster(`${NAME}-bare`);
    expectFirstRun(await converge(twin, { port: 8080, app: 'm1bare' }), 'm1bare');
    expectConverged(await converge(twin, { port: 8080, app: 'm1bare' }));
    // The docker cluster's own state is untouched by the bare runs.
    expectConverged(await converge(hosts, { port: 8080 }));
  }, 300_000);

  it('as a sudo login user: converges from scratch, then 0 changed; commands run as root', async () => {
    const twin = await bareCluster(`${NAME}-sudo`, SUDO_USER);
    expectFirstRun(await converge(twin, { port: 8080, app: 'm1sudo' }), 'm1sudo');
    expect(hostCat(names[0]!, '/etc/m1sudo/token')).toBe(`token:${PASSWORD}\n`);
    expectConverged(await converge(twin, { port: 8080, app: 'm1sudo' }));
    const write = await runPlaybook(
      { name: 'sudo-write', stages: [{ name: 's', hosts: names, roles: [defineRole('w', () => [command({ cmd: 'id -un > /etc/m1sudo/written-by', creates: '/etc/m1sudo/written-by' })])] }] },
      { connectors: connectors(twin) },
    );
    expect(write.exitCode).toBe(0);
    expect(hostCat(names[1]!, '/etc/m1sudo/written-by')).toBe('root\n');
  }, 300_000);
});

describe('secrets and failures', () => {
  it('the password appears in no output and no log line of any cluster, but reached the hosts', async () => {
    let all = output.join('');
    let logCount = 0;
    for (const dir of [hosts.dir, ...bare.map((b) => b.dir)]) {
      const logs = await readdir(join(dir, 'logs'));
      logCount += logs.length;
      for (const f of logs) all += await readFile(join(dir, 'logs', f), 'utf8');
    }
    expect(logCount).toBeGreaterThanOrEqual(8);
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).not.toContain(PASSWORD);
    expect(all).toContain('password = ********'); // the secret.conf template's diff, redacted
    expect(hostCat(names[0]!, '/etc/m1eng/secret.conf')).toContain(`password = ${PASSWORD}`);
    expect(hostCat(names[0]!, '/etc/m1eng/token')).toBe(`token:${PASSWORD}\n`);
  });

  // Last: the victim stays cut off.
  it('a host cut off mid-run gives one line; the other hosts finish and are reported', async () => {
    const victim = names[1]!;
    let cut = false;
    const slow = defineRole('slow', (h) => [
      command({ name: 'before', cmd: 'true' }),
      command({ name: 'long step', cmd: 'sleep 2' }),
      command({ name: 'after', cmd: `echo ${h.host} > /etc/m1eng/after-cut` }),
    ]);
    const engine = await Engine.open({
      connectors: connectors(hosts),
      reporter: {
        taskStart: (host, _role, task) => {
          if (host === victim && task === 'long step' && !cut) {
            cut = true;
            execFileSync('docker', ['network', 'disconnect', hosts.cluster.dockerNetwork!.name, victim]);
          }
        },
      },
    });
    const t = performance.now();
    const r = await engine.run({ name: 'cut', stages: [{ name: 's', hosts: names, roles: [slow] }, { name: 'later', hosts: names, roles: [slow] }] });
    await engine.close();
    const took = performance.now() - t;
    expect(cut).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatch(new RegExp(`^${victim}: unreachable \\(.+\\)$`));
    expect(r.failures[0]).not.toContain('\n');
    for (const h of [names[0]!, names[2]!]) expect(r.recap[h]).toEqual({ ok: 0, changed: 6, skipped: 0, failed: 0 });
    expect(r.recap[victim]).toMatchObject({ failed: 1, skipped: 1 });
    expect(took).toBeLessThan(30_000);
    console.log(`cut-off host reported in ${Math.round(took)} ms: ${r.failures[0]}`);
  }, 60_000);
});
