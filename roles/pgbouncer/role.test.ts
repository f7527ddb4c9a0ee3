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

async function tasks(host: string, live: LiveState): Promise<Operation[]> {
  const h = {
    host,
    check: false,
    fact: async () => true,
    facts: { content: async () => null },
    secret: (v: string) => v,
  } as unknown as HostContext;
  const out: Operation[] = [];
  for await (const t of (await pgbouncerRole(ctx(live)).tasks(h)) as AsyncIterable<Operation | Operation[]>) out.push(...(Array.isArray(t) ? t : [t]));
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
    const h = {
      host: 'delta',
      check: false,
      fact: async () => true,
      facts: { content: async (p: string) => (p.endsWith('databases.ini') ? Buffer.from(databasesIni(pgbouncerDatabases(cluster), 'gamma')) : null) },
      secret: (v: string) => v,
    } as unknown as HostContext;
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
