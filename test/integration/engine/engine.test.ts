/**
 * Engine acceptance against three real systemd + sshd containers: converge
 * twice (second run 0 changed), check mode after a template change, secrets
 * never shown, a sudo login user, and a host cut off mid-run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, defineRole, Engine, plainReporter, runPlaybook, Secrets, SshConnector, type RunResult } from '../../../src/engine/index.js';
import { SUDO_USER, startTestbed, type Testbed } from '../../../src/engine/testbed/containers.js';
import { acceptancePlaybook } from './playbook.js';

const PASSWORD = 'Tr0ub4dor&3-m1eng-secret';
let bed: Testbed;
let cluster: string;
let names: string[];
const output: string[] = [];

function connectors(user = 'root') {
  return new Map(bed.targets(user).map((t) => [t.host, new SshConnector(t, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2, connectTimeoutMs: 3000 })]));
}

async function converge(port: number, options: { check?: boolean; user?: string } = {}): Promise<RunResult> {
  const secrets = new Secrets();
  secrets.register(PASSWORD);
  return runPlaybook(acceptancePlaybook(names, { port, password: PASSWORD }), {
    connectors: connectors(options.user),
    secrets,
    check: options.check,
    clusterDir: cluster,
    command: 'test',
    reporter: plainReporter({ write: (t) => output.push(t), diff: true, verbose: true }),
  });
}

function dockerCat(host: string, path: string): string {
  return execFileSync('docker', ['exec', host, 'cat', path]).toString();
}

beforeAll(async () => {
  bed = await startTestbed({ prefix: 'm1eng', count: 3 });
  names = bed.hosts.map((h) => h.name);
  cluster = await mkdtemp(join(tmpdir(), 'm1eng-cluster-'));
});
afterAll(async () => {
  if (process.env.M1ENG_SHOW_OUTPUT) console.log(output.join(''));
  await bed?.teardown();
});

describe('engine against three containers', () => {
  it('first run changes things on every host', async () => {
    const r = await converge(8080);
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
    expect(dockerCat(names[0]!, '/etc/m1eng/app.conf')).toContain('port = 8080');
    expect(dockerCat(names[1]!, '/etc/m1eng/limits.conf')).toBe('nofile = 1024\ncore = 0\nnproc = 64\n');
    expect(execFileSync('docker', ['exec', names[2]!, 'systemctl', 'is-active', 'm1eng-app']).toString()).toBe('active\n');
  }, 300_000);

  it('second run changes nothing on any host', async () => {
    const r = await converge(8080);
    expect(r.failures).toEqual([]);
    for (const h of names) expect(r.recap[h]).toMatchObject({ changed: 0, failed: 0 });
    console.log(`converged run: ${r.durationMs} ms for ${r.results.length} results on ${names.length} hosts`);
  }, 120_000);

  it('--check after a template change reports the diff and changes nothing', async () => {
    const before = dockerCat(names[0]!, '/etc/m1eng/app.conf');
    const r = await converge(9090, { check: true });
    expect(r.exitCode).toBe(0);
    const tpl = r.results.filter((x) => x.task === 'template /etc/m1eng/app.conf');
    expect(tpl).toHaveLength(3);
    for (const t of tpl) {
      expect(t.status).toBe('changed');
      expect(t.diff).toContain('-port = 8080\n+port = 9090\n');
      expect(t.commands.every((c) => c.exit === null)).toBe(true);
    }
    for (const h of names) expect(r.recap[h]!.changed).toBe(2); // the template and its reload handler
    expect(dockerCat(names[0]!, '/etc/m1eng/app.conf')).toBe(before);
  }, 120_000);

  it('works through a non-root login user with passwordless sudo', async () => {
    const r = await converge(8080, { user: SUDO_USER });
    expect(r.failures).toEqual([]);
    for (const h of names) expect(r.recap[h]!.changed).toBe(0);
    const write = await runPlaybook(
      { name: 'sudo-write', stages: [{ name: 's', hosts: names, roles: [defineRole('w', () => [command({ cmd: 'id -un > /etc/m1eng/written-by', creates: '/etc/m1eng/written-by' })])] }] },
      { connectors: connectors(SUDO_USER) },
    );
    expect(write.exitCode).toBe(0);
    expect(dockerCat(names[1]!, '/etc/m1eng/written-by')).toBe('root\n');
  }, 120_000);

  it('the password appears in no output and no log line, but reached the hosts', async () => {
    const logs = await readdir(join(cluster, 'logs'));
    expect(logs.length).toBeGreaterThanOrEqual(4);
    let all = output.join('');
    for (const f of logs) all += await readFile(join(cluster, 'logs', f), 'utf8');
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).not.toContain(PASSWORD);
    expect(all).toContain('password = ********'); // the secret.conf template's diff, redacted
    expect(dockerCat(names[0]!, '/etc/m1eng/secret.conf')).toContain(`password = ${PASSWORD}`);
    expect(dockerCat(names[0]!, '/etc/m1eng/token')).toBe(`token:${PASSWORD}\n`);
  });

  it('a host cut off mid-run gives one line; the other hosts finish and are reported', async () => {
    const victim = names[1]!;
    let cut = false;
    const slow = defineRole('slow', (h) => [
      command({ name: 'before', cmd: 'true' }),
      command({ name: 'long step', cmd: 'sleep 2' }),
      command({ name: 'after', cmd: `echo ${h.host} > /etc/m1eng/after-cut` }),
    ]);
    const engine = await Engine.open({
      connectors: connectors(),
      reporter: {
        taskStart: (host, _role, task) => {
          if (host === victim && task === 'long step' && !cut) {
            cut = true;
            execFileSync('docker', ['network', 'disconnect', bed.network, victim]);
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
