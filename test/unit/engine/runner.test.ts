import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './scratch.js';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import { UnreachableError } from '../../../src/engine/connectors/types.js';
import { command, waitUntil } from '../../../src/engine/operations/command.js';
import { file } from '../../../src/engine/operations/file.js';
import { flushHandlers } from '../../../src/engine/operations/flushHandlers.js';
import { service } from '../../../src/engine/operations/service.js';
import { reload, restart } from '../../../src/engine/operations/types.js';
import { Engine, runPlaybook } from '../../../src/engine/run/engine.js';
import { defineRole, type Playbook } from '../../../src/engine/run/playbook.js';
import { plainReporter } from '../../../src/engine/run/plainReporter.js';
import { RefusedError } from '../../../src/errors.js';
import { fakeHost } from './fakeHost.js';
import { runOps, statuses } from './helpers.js';

const tmp = scratch('m1-run-');

describe('handlers', () => {
  it('restart each service once at the role end, restart winning over reload', async () => {
    const h = fakeHost();
    h.services.set('pg.service', { active: 'active', file: 'enabled' });
    h.services.set('bouncer.service', { active: 'active', file: 'enabled' });
    h.connector.on(/^true \d$/, {});
    const change = (n: number, notify: ReturnType<typeof restart>) => command({ name: `change ${n}`, cmd: `true ${n}`, notify });
    const r = await runOps(h.connector, [change(1, reload('pg')), change(2, restart('pg')), change(3, reload('pg')), change(4, reload('bouncer'))]);
    expect(h.connector.ran(/^systemctl (restart|reload)/)).toEqual(['systemctl restart -- pg.service', 'systemctl reload -- bouncer.service']);
    expect(r.results.slice(-2).map((x) => x.task)).toEqual(['handler: restart pg.service', 'handler: reload bouncer.service']);
  });
  it('skip a restart when the service was started after the change, and run nothing for unchanged operations', async () => {
    const h = fakeHost();
    h.services.set('pg.service', { active: 'inactive', file: 'enabled' });
    h.connector.on(/^true$/, {});
    const r = await runOps(h.connector, [
      command({ cmd: 'true', notify: restart('pg') }),
      service({ service: 'pg', state: 'started' }),
      command({ cmd: 'false', unless: 'true', notify: restart('other') }),
    ]);
    // A restart, not a start: the same on a stopped unit, and right on one that something else started meanwhile.
    expect(h.connector.ran(/^systemctl (restart|start)/)).toEqual(['systemctl restart -- pg.service']);
    expect(r.results.at(-1)).toMatchObject({ status: 'ok', message: 'pg.service was (re)started after the change' });
  });
  it('a start with a reload pending reloads a unit that another agent started after it was read (the fence lifting PgBouncer)', async () => {
    const h = fakeHost();
    h.services.set('bouncer.service', { active: 'inactive', file: 'enabled' });
    let armed = false;
    h.connector.on(/^write targets$/, () => ((armed = true), {}));
    // Read as stopped after the change; it starts, on the old file, right after that read and before this role's start.
    h.connector.on(
      (cmd) => armed && cmd.startsWith('systemctl show'),
      () => {
        armed = false;
        h.services.get('bouncer.service')!.active = 'active';
        return { stdout: 'Id=bouncer.service\nLoadState=loaded\nActiveState=inactive\nUnitFileState=enabled\nNeedDaemonReload=no\n' };
      },
    );
    const r = await runOps(h.connector, [
      service({ service: 'bouncer', enabled: true }),
      command({ cmd: 'write targets', notify: reload('bouncer') }),
      service({ service: 'bouncer', state: 'started' }),
    ]);
    expect(h.connector.ran(/^systemctl (start|reload|reload-or-restart|restart) /)).toEqual(['systemctl reload-or-restart -- bouncer.service']);
    expect(r.results.at(-1)).toMatchObject({ message: 'bouncer.service was (re)started after the change' });
  });
  it('flushHandlers runs them mid-role', async () => {
    const h = fakeHost();
    h.services.set('pg.service', { active: 'active', file: 'enabled' });
    h.connector.on(/^true$|^echo after$/, {});
    await runOps(h.connector, [command({ cmd: 'true', notify: restart('pg') }), flushHandlers(), command({ cmd: 'echo after' })]);
    const order = h.connector.commands.map((c) => c.command).filter((c) => /restart|echo after/.test(c));
    expect(order).toEqual(['systemctl restart -- pg.service', 'echo after']);
  });
});

describe('command and wait until', () => {
  it('guards make a command idempotent', async () => {
    const marker = join(tmp.dir, 'created');
    const op = () => command({ cmd: `touch ${marker}`, creates: marker });
    expect(statuses(await runOps(tmp.sh, [op()]))).toEqual(['changed']);
    expect(statuses(await runOps(tmp.sh, [op()]))).toEqual(['ok']);
    expect(statuses(await runOps(tmp.sh, [command({ cmd: 'exit 1', unless: `test -e ${marker}` })]))).toEqual(['ok']);
    expect(statuses(await runOps(tmp.sh, [command({ cmd: 'exit 1', onlyIf: 'false' })]))).toEqual(['ok']);
  });
  it('a failing command names the command, exit status and stderr tail', async () => {
    const r = await runOps(tmp.sh, [command({ name: 'init db', cmd: 'echo one >&2; echo two >&2; exit 3' })]);
    expect(r.failures).toEqual(['h r › init db: `echo one >&2; echo two >&2; exit 3` exited 3: one | two']);
    expect(r.exitCode).toBe(1);
  });
  it('a command with a display names that in its failure instead of the long command', async () => {
    const r = await runOps(tmp.sh, [command({ name: 'restart', cmd: 'echo why >&2; exit 4', display: 'systemctl restart x' })]);
    expect(r.failures).toEqual(['h r › restart: `systemctl restart x` exited 4: why']);
  });
  it('wait until polls until ready, bounded', async () => {
    const flag = join(tmp.dir, 'ready');
    setTimeout(() => void writeFile(flag, ''), 300);
    const r = await runOps(tmp.sh, [waitUntil({ cmd: `test -e ${flag}`, intervalMs: 100, timeoutMs: 5000 })]);
    expect(r.results[0]).toMatchObject({ status: 'ok' });
    expect(r.results[0]!.message).toMatch(/ready after \d+ checks/);
    const t = performance.now();
    const late = await runOps(tmp.sh, [waitUntil({ cmd: 'echo not yet >&2; false', intervalMs: 100, timeoutMs: 400 })]);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(late.failures[0]).toMatch(/not ready after 0 s \(\d+ checks\): `echo not yet >&2; false` last exited 1: not yet/);
  });
});

describe('stages', () => {
  const ok = defineRole('ok', () => [command({ cmd: 'true' })]);
  const boom = defineRole('boom', (h) => [command({ name: 'explode', cmd: h.host === 'b' ? 'exit 9' : 'true' })]);

  it('a failed host is skipped later; hosts depending on it are skipped; others continue; exit 1', async () => {
    const hosts = ['a', 'b', 'c'];
    const connectors = Object.fromEntries(hosts.map((h) => [h, new FakeConnector(h).on(/^true$/, {}).on(/^exit 9$/, { code: 9, stderr: 'kaboom\n' })]));
    const playbook: Playbook = {
      name: 'p',
      stages: [
        { name: 'one', hosts, roles: [boom] },
        { name: 'two', hosts, roles: [ok] },
        { name: 'three', hosts: ['c'], roles: [ok], dependsOn: ['b'] },
      ],
    };
    const r = await runPlaybook(playbook, { connectors });
    expect(r.exitCode).toBe(1);
    expect(r.failures).toEqual(['b boom › explode: `exit 9` exited 9: kaboom']);
    expect(r.recap).toEqual({
      a: { ok: 0, changed: 2, skipped: 0, failed: 0 },
      b: { ok: 0, changed: 0, skipped: 1, failed: 1 },
      c: { ok: 0, changed: 2, skipped: 1, failed: 0 },
    });
    expect(r.results.find((x) => x.host === 'c' && x.stage === 'three')?.message).toBe('depends on b, which failed');
  });

  it('a serial stage goes host by host with a health check, and stops at the first failure', async () => {
    const order: string[] = [];
    const connectors = Object.fromEntries(
      ['a', 'b', 'c'].map((h) => [h, new FakeConnector(h).on(() => true, (cmd) => (order.push(`${h}:${cmd}`), cmd === 'health' && h === 'b' ? { code: 1 } : {}))]),
    );
    const r = await runPlaybook(
      { name: 'rolling', stages: [{ name: 'upgrade', hosts: ['a', 'b', 'c'], roles: [defineRole('up', () => [command({ cmd: 'up' })])], serial: true, healthCheck: () => [waitUntil({ cmd: 'health', timeoutMs: 100, intervalMs: 50 })] }] },
      { connectors },
    );
    expect(order.filter((c) => c.endsWith(':up'))).toEqual(['a:up', 'b:up']);
    expect(order.indexOf('a:health')).toBeLessThan(order.indexOf('b:up'));
    expect(r.results.find((x) => x.host === 'c')?.message).toBe('stage stopped: b failed');
  });

  it('an unreachable host gives one line and the others are reported', async () => {
    const down = new FakeConnector('b');
    down.run = async () => {
      throw new UnreachableError('b', 'timed out after 10 s connecting to 10.0.0.2:22');
    };
    const connectors = { a: new FakeConnector('a').on(/^true$/, {}), b: down, c: new FakeConnector('c').on(/^true$/, {}) };
    const r = await runPlaybook({ name: 'p', stages: [{ name: 's', hosts: ['a', 'b', 'c'], roles: [ok, ok] }] }, { connectors });
    expect(r.failures).toEqual(['b: unreachable (timed out after 10 s connecting to 10.0.0.2:22)']);
    expect(r.recap.a!.changed).toBe(2);
    expect(r.recap.c!.changed).toBe(2);
  });

  it('limits parallel hosts to forks', async () => {
    let running = 0;
    let peak = 0;
    const slow = (h: string) => {
      const c = new FakeConnector(h);
      c.run = async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return { code: 0, stdout: '', stderr: '' };
      };
      return c;
    };
    const hosts = ['a', 'b', 'c', 'd', 'e'];
    await runPlaybook({ name: 'p', stages: [{ name: 's', hosts, roles: [ok] }] }, { connectors: Object.fromEntries(hosts.map((h) => [h, slow(h)])), forks: 2 });
    expect(peak).toBe(2);
  });

  it('a generator role gets each result back and can read facts', async () => {
    const seen: string[] = [];
    const role = defineRole('gen', async function* (h) {
      const os = await h.facts.os();
      const r = yield command({ cmd: 'echo hi' });
      seen.push(`${os.id}:${(r as unknown as { status: string }).status}`);
    });
    await runPlaybook({ name: 'p', stages: [{ name: 's', hosts: ['h'], roles: [role] }] }, { connectors: { h: tmp.sh } });
    expect(seen).toEqual(['debian:changed']);
  });
});

describe('secrets, log and lock', () => {
  it('a registered secret appears in no output, diff, error or log line, and travels on stdin', async () => {
    const cluster = await mkdtemp(join(tmp.dir, 'cluster-'));
    const secrets = (await import('../../../src/engine/secrets.js')).Secrets;
    const s = new secrets();
    const pw = s.register('Sup3r-S3cret-pw');
    const out: string[] = [];
    const fake = new FakeConnector('h').on(/^set --; .*stat -c/, { stdout: '--m1-hashes--\n' }).on(/cat > "\$t" && mv -f -- "\$t" \/etc\/pw\.conf/, {}).on(/^(chpasswd|false)$/, (cmd, stdin) => ({ code: cmd.includes('false') ? 1 : 0, stderr: `bad: ${stdin ?? ''}\n` }));
    const r = await runPlaybook(
      {
        name: 'secret',
        stages: [
          {
            name: 's',
            hosts: ['h'],
            roles: [
              defineRole('r', () => [
                command({ name: 'set password', cmd: 'chpasswd', stdin: `postgres:${pw}` }),
                file({ path: '/etc/pw.conf', content: `password=${pw}\n`, mode: '0600' }),
                command({ name: `echo ${pw}`, cmd: 'false', stdin: pw }),
              ]),
            ],
          },
        ],
      },
      { connectors: { h: fake }, secrets: s, clusterDir: cluster, reporter: plainReporter({ write: (t) => out.push(t), diff: true, verbose: true }) },
    );
    // it did reach the host, through stdin only
    expect(fake.commands.some((c) => c.stdin?.includes(pw))).toBe(true);
    expect(fake.commands.some((c) => c.command.includes(pw))).toBe(false);
    const log = await readFile(r.logFile!, 'utf8');
    const everything = out.join('') + JSON.stringify(r) + log;
    expect(everything).not.toContain(pw);
    expect(everything).toContain('********');
    expect(r.failures[0]).toMatch(/^h r › echo \*{8}: `false` exited 1: bad: \*{8}$/);
  });

  it('refuses to put a registered secret in a command line', async () => {
    const { Secrets } = await import('../../../src/engine/secrets.js');
    const s = new Secrets();
    const pw = s.register('another-Secret-42');
    const fake = new FakeConnector('h');
    const r = await runOps(fake, [command({ name: 'set pw', cmd: `echo ${pw} | chpasswd` })], { secrets: s });
    expect(fake.commands).toEqual([]);
    expect(r.failures).toEqual(['h r › set pw: refusing to run a command with a secret in its arguments (`echo ******** | chpasswd`); pass the secret on stdin']);
  });

  it('writes one JSONL line per operation with host, role, task, status, duration, commands', async () => {
    const cluster = await mkdtemp(join(tmp.dir, 'cluster-'));
    const r = await runPlaybook({ name: 'logged', stages: [{ name: 's', hosts: ['h'], roles: [defineRole('r', () => [command({ cmd: 'echo x >&2' })])] }] }, { connectors: { h: tmp.sh }, clusterDir: cluster });
    const lines = (await readFile(r.logFile!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['start', 'op', 'end']);
    expect(lines[1]).toMatchObject({ host: 'h', role: 'r', status: 'changed', commands: [{ command: 'echo x >&2', exit: 0, stderrTail: 'x' }] });
    expect(typeof lines[1].durationMs).toBe('number');
    expect(await readdir(join(cluster, 'logs'))).toHaveLength(1);
  });

  it('refuses a second engine on the same cluster while one runs', async () => {
    const cluster = await mkdtemp(join(tmp.dir, 'cluster-'));
    const first = await Engine.open({ connectors: {}, clusterDir: cluster, command: 'deploy' });
    await expect(Engine.open({ connectors: {}, clusterDir: cluster })).rejects.toBeInstanceOf(RefusedError);
    await first.close();
    await (await Engine.open({ connectors: {}, clusterDir: cluster })).close();
  });
});
