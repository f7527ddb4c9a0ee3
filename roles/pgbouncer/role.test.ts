import { describe, expect, it } from 'vitest';
import type { HostContext, Operation } from '../../src/engine/index.js';
import type { DeployContext } from '../context.js';
import type { LiveState } from '../../src/inventory/liveTopology.js';
import { deployContext, twoLocationCluster } from '../../test/unit/roles/fixtures.js';
import { liveDatabasesIni, pgbouncerRole } from './role.js';
import { databasesIni, databasesTarget, pgbouncerDatabases } from '../../src/products/pgbouncer/databases.js';
import { runningPrimaries, splitPrimaryRefusal } from '../../src/live/primaryGuard.js';
import { promoteScript } from '../../src/products/repmgr/scripts.js';

const cluster = twoLocationCluster({ repmgr_redirect_pgbouncer: true });

const ctx = (live: LiveState): DeployContext => deployContext(cluster, live, { passwords: { pgbouncer_auth_user: 'pw-auth', pgbouncer: 'pw-admin' } });

/** The host as a first deploy finds it on Debian 11: the package's PgBouncer runs from the unit systemd generated from its SysV script. */
const FIRST_DEPLOY = { fragmentPath: '/run/systemd/generator.late/pgbouncer.service', activeState: 'active', pairSize: 1200, changes: [0, 7] };
/** A converged host: m1's unit loaded and running, the TLS pair there. */
const CONVERGED = { fragmentPath: '/etc/systemd/system/pgbouncer.service', activeState: 'active', pairSize: 1200, changes: [0] };

/** `changes`: what changesSoFar answers, call after call (the last one repeats). */
function host(name: string, state: typeof FIRST_DEPLOY, content: (p: string) => Buffer | null = () => null): HostContext {
  let calls = 0;
  return {
    host: name,
    check: false,
    fact: async () => true,
    facts: {
      content: async (p: string) => content(p),
      prefetch: async () => undefined,
      stat: async (p: string) => (p.startsWith('/etc/m1/ssl/') ? { type: 'file', mode: '0600', owner: 'postgres', group: 'postgres', size: state.pairSize } : null),
      service: async () => ({ id: 'pgbouncer.service', loadState: 'loaded', activeState: state.activeState, unitFileState: 'enabled', needDaemonReload: false, fragmentPath: state.fragmentPath }),
    },
    secret: (v: string) => v,
    changesSoFar: () => state.changes[Math.min(calls++, state.changes.length - 1)]!,
  } as unknown as HostContext;
}

/** Every operation the role yields, each yield answered with `answer` (the result the engine hands back). */
async function tasks(name: string, live: LiveState, state = FIRST_DEPLOY, answer?: { status: string }): Promise<Operation[]> {
  const it = ((await pgbouncerRole(ctx(live)).tasks(host(name, state))) as AsyncGenerator<Operation | Operation[], void, unknown>)[Symbol.asyncIterator]();
  const out: Operation[] = [];
  for (let step = await it.next(); !step.done; step = await it.next(answer as never)) out.push(...(Array.isArray(step.value) ? step.value : [step.value]));
  return out;
}

describe('pgbouncer role', () => {
  it('does nothing on a host without the pgbouncer role', async () => {
    expect(await tasks('epsilon', { primary: 'alpha', upstreams: {} })).toEqual([]);
  });

  it('writes its files, restarts on ini/unit changes, reloads on databases/hba/userlist changes', async () => {
    const ops = await tasks('delta', { primary: 'alpha', upstreams: {} });
    const byPath = Object.fromEntries(ops.filter((o) => o.kind === 'file').map((o) => [o.name.replace(/^file /, ''), o.notify.map((n) => n.action)]));
    expect(byPath).toEqual({
      '/etc/pgbouncer/pgbouncer.ini': ['restart'],
      '/etc/pgbouncer/pgbouncer.databases.ini': ['reload'],
      '/etc/pgbouncer/pgbouncer_hba.conf': ['reload'],
      '/etc/pgbouncer/userlist.txt': ['reload'],
      '/etc/systemd/system/pgbouncer.service': ['restart'],
    });
    expect(ops.at(-1)!.name).toBe('pgbouncer listens on *:6432');
  });

  it("stops the package's SysV pgbouncer before writing its files, and reloads systemd after its unit (systemd 247, Debian 11)", async () => {
    const names = (await tasks('delta', { primary: 'alpha', upstreams: {} })).map((o) => o.name);
    const at = (n: string) => names.findIndex((x) => x.startsWith(n));
    expect(at("stop the package's SysV pgbouncer")).toBeGreaterThanOrEqual(0);
    expect(at("stop the package's SysV pgbouncer")).toBeLessThan(at('file /etc/pgbouncer/pgbouncer.ini'));
    expect(at('systemd loads /etc/systemd/system/pgbouncer.service')).toBeGreaterThan(at('file /etc/systemd/system/pgbouncer.service'));
    expect(at('systemd loads /etc/systemd/system/pgbouncer.service')).toBeLessThan(at('service pgbouncer'));
  });

  it('on a converged host reads what it checks up front and leaves out the SysV stop, the daemon-reload, the TLS wait and the listen check', async () => {
    const names = (await tasks('delta', { primary: 'alpha', upstreams: {} }, CONVERGED, { status: 'ok' })).map((o) => o.name);
    expect(names.filter((n) => !n.startsWith('file ') && !n.startsWith('directory '))).toEqual([
      'packages pgbouncer',
      'service pgbouncer started, enabled',
      'PgBouncer reads the certificate of delta',
      'run pending handlers',
    ]);
  });

  it('checks again what a change or a stopped PgBouncer could have broken', async () => {
    const names = async (state: typeof CONVERGED, answer = { status: 'ok' }) => (await tasks('delta', { primary: 'alpha', upstreams: {} }, state, answer)).map((o) => o.name);
    // systemd still runs the package's /lib unit (Debian 12 with the package started before deploy): it must load m1's
    expect(await names({ ...CONVERGED, fragmentPath: '/lib/systemd/system/pgbouncer.service' })).toContain('systemd loads /etc/systemd/system/pgbouncer.service');
    // something changed so far (a reload, a restart): it must listen again
    expect(await names({ ...CONVERGED, changes: [0, 1] })).toContain('pgbouncer listens on *:6432');
    expect(await names({ ...CONVERGED, activeState: 'failed' })).toContain('pgbouncer listens on *:6432');
    // no TLS pair yet: wait for it, with the message that names the postgres role
    expect(await names({ ...CONVERGED, pairSize: 0 })).toContain('TLS pair /etc/m1/ssl/delta.crt present (postgres role)');
  });

  it('points at the live primary, in the very text the promote hook of that node writes', () => {
    const text = liveDatabasesIni({ cluster, live: { primary: 'gamma', upstreams: {} } });
    expect(databasesTarget(text)).toBe('gamma');
    const hook = promoteScript(cluster, cluster.instances.find((i) => i.name === 'gamma')!);
    expect(hook).toContain(text.replace(/\n$/, ''));
  });
});

describe('several primaries', () => {
  const hosts = {
    alpha: { reachable: true, postgresRunning: true, inRecovery: false, dataDirInitialised: true },
    gamma: { reachable: true, postgresRunning: true, inRecovery: false, dataDirInitialised: true },
    beta: { reachable: true, postgresRunning: true, inRecovery: true, dataDirInitialised: true },
  };

  it('refuses to move PgBouncer while two data nodes run as primary, and names the fix', async () => {
    const h = host('delta', CONVERGED, (p) => (p.endsWith('databases.ini') ? Buffer.from(databasesIni(pgbouncerDatabases(cluster), 'gamma')) : null));
    const role = pgbouncerRole({ ...ctx({ primary: 'alpha', upstreams: {} }), hosts });
    const run = async () => {
      for await (const _ of (await role.tasks(h)) as AsyncIterable<unknown>) void _;
    };
    await expect(run()).rejects.toThrow(/several hosts run as primary \(alpha, gamma\): not moving PgBouncer on delta from gamma to alpha; .*repmgr node rejoin/);
    expect(runningPrimaries({ cluster, hosts })).toEqual(['alpha', 'gamma']);
  });

  it('lets it stay where it is', () => {
    expect(splitPrimaryRefusal({ cluster, hosts }, 'x', 'gamma', 'gamma')).toBeUndefined();
    expect(splitPrimaryRefusal({ cluster, hosts: { alpha: hosts.alpha, beta: hosts.beta } }, 'x', 'gamma', 'alpha')).toBeUndefined();
  });
});
