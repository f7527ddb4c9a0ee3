import { describe, expect, it, vi } from 'vitest';
import type { DeployContext } from '../../../../roles/context.js';
import type { FactDef, HostContext, Operation, Role } from '../../../../src/engine/index.js';
import { UsageError } from '../../../../src/errors.js';
import type { Cluster } from '../../../../src/inventory/cluster.js';
import { main } from '../../../../src/cli/main.js';
import { NOTHING_LIVE, type LiveState } from '../../../../src/inventory/liveTopology.js';
import { pgHbaConf } from '../../../../src/products/postgres/hba.js';
import { basebackupCloneCommand, efmSlotName, standbySettings } from '../../../../src/products/efm/clone.js';
import { efmDeployGate } from '../../../../src/products/efm/deployGate.js';
import { edbRepositorySetup } from '../../../../src/products/efm/repository.js';
import {
  efmAgentRole,
  efmRepositoryRole,
  parseEfmServerState,
  withEfmHba,
} from '../../../../roles/efm/role.js';
import { SubscriptionToken, TOKEN_VARIABLE } from '../../../../src/products/efm/tokenGate.js';
import { deployContext } from '../fixtures.js';
import { cascadedLayout, defaultLayout } from './clusters.js';

const USERS = ['postgres', 'replication', 'barman', 'streaming_barman', 'pgbouncer_auth_user', 'pgbouncer', 'efm'];
const context = (cluster: Cluster, live: LiveState = NOTHING_LIVE, over: Partial<DeployContext> = {}): DeployContext =>
  deployContext(cluster, live, { passwords: Object.fromEntries(USERS.map((u) => [u, `pw-${u}`])), ...over });

/** A host context with no host behind it: every file missing, no account, facts from `facts`. */
function fakeHost(host: string, facts: Record<string, unknown> = {}, read: FactDef<unknown>[] = []): HostContext {
  return {
    host,
    check: false,
    fact: async (def) => (read.push(def), facts[def.key] as never),
    facts: {
      os: async () => ({}) as never,
      packages: async () => new Map(),
      stat: async () => null,
      content: async () => null,
      service: async () => ({}) as never,
      accounts: async () => ({ users: new Map(), groups: new Map() }) as never,
    },
    secret: (v) => v,
    changesSoFar: () => 0,
  };
}

/** The operations a role yields on a host (not applied); `read` gets each fact read before the operations yielded after it. */
async function opsOf(role: Role, h: HostContext, read: unknown[] = []): Promise<Operation[]> {
  const tasks = await role.tasks(h);
  const out: Operation[] = [];
  const add = (t: unknown) => {
    if (Array.isArray(t)) t.forEach(add);
    else if (t) out.push(t as Operation), read.push(t);
  };
  if (tasks && typeof (tasks as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const t of tasks as AsyncIterable<unknown>) add(t);
  } else add(tasks);
  return out;
}

describe('withEfmHba', () => {
  it('adds every agent, the witness included, after the user\'s own lines', () => {
    const cluster = defaultLayout({ postgres_hba_settings: ['host all app 10.0.0.0/8 scram-sha-256'] });
    const hba = pgHbaConf(withEfmHba(cluster));
    const own = hba.indexOf('host all app 10.0.0.0/8');
    for (const ip of ['10.33.48.226', '10.33.48.227', '10.33.48.228']) {
      const at = hba.indexOf(`host all efm ${ip}/32 md5`);
      expect(at, ip).toBeGreaterThan(own);
    }
    expect(own).toBeGreaterThan(-1);
    // the cluster itself is not changed
    expect(cluster.clusterVars['postgres_hba_settings']).toEqual(['host all app 10.0.0.0/8 scram-sha-256']);
  });
});

describe('the pg_basebackup clone', () => {
  it('takes the password on stdin, streams through the slot of the host it copies from, and writes the standby settings', () => {
    const cmd = basebackupCloneCommand({ version: 15, me: 'quack', source: 'quash', upstream: 'quash', slot: 'quack' });
    expect(cmd).toMatch(/^IFS= read -r PGPASSWORD/);
    expect(cmd).toContain("pg_basebackup -D /opt/postgres/data -d 'host=quash port=5432 user=replication application_name=quack sslmode=require' -X stream -c fast -w -S quack ||");
    expect(cmd).toContain('touch /opt/postgres/data/standby.signal');
    expect(cmd).not.toMatch(/password=/);
    // copying from the primary while the upstream is not ready: no slot of that host to use
    const fromPrimary = basebackupCloneCommand({ version: 15, me: 'karakul', source: 'kaboom', upstream: 'kaput', slot: 'karakul' });
    expect(fromPrimary).not.toContain(' -S ');
    expect(fromPrimary).toContain('host=kaput port=5432');
    expect(standbySettings('karakul', 'kaput', 'karakul')).toBe(
      "primary_conninfo = 'host=kaput port=5432 user=replication application_name=karakul sslmode=require passfile=/var/lib/postgresql/.pgpass'\nprimary_slot_name = 'karakul'\n",
    );
    expect(efmSlotName({ name: 'My-Host.2' })).toBe('my_host_2');
  });
});

describe('efmRepositoryRole', () => {
  const token = 'tok-abc123-SECRET';
  const withUrl = () => defaultLayout({ edb_repository_url: 'https://repo.example.test/' });

  it('does nothing with --skip-packages efm', async () => {
    const ctx = context(withUrl(), NOTHING_LIVE, { skipPackages: new Set(['efm']) });
    expect(await opsOf(efmRepositoryRole(ctx, undefined), fakeHost('quash'))).toEqual([]);
  });

  it('sets up each EDB repository with the token on stdin only, then installs EFM and its Java', async () => {
    const ctx = context(withUrl());
    const ops = await opsOf(efmRepositoryRole(ctx, new SubscriptionToken(token)), fakeHost('quarto'));
    expect(ops.map((o) => o.kind)).toEqual(['packages', 'command', 'packages']);
    expect(ops.map((o) => o.name).join('\n')).not.toContain(token);
    const setup = edbRepositorySetup('https://repo.example.test', 'standard', token);
    expect(setup.cmd).not.toContain(token);
    expect(setup.unless).not.toContain(token);
    expect(setup.stdin).toBe(`url = "https://repo.example.test/${token}/standard/setup.deb.sh"\n`);
    expect(ops[2]!.name).toMatch(/edb-efm49.*openjdk-17-jre/);
  });
});

describe('efmAgentRole', () => {
  const names = async (ctx: DeployContext, host: string) => (await opsOf(efmAgentRole(ctx), fakeHost(host))).map((o) => o.name);

  it('with --skip-packages efm: account and files, no efm encrypt, no service', async () => {
    const ctx = context(defaultLayout(), NOTHING_LIVE, { skipPackages: new Set(['efm']) });
    const ops = await names(ctx, 'quack');
    expect(ops.slice(0, 3)).toEqual(['group efm', 'user efm', 'user postgres in group efm']);
    expect(ops).toContain('file /etc/edb/efm-4.9/efm1.properties');
    expect(ops).toContain('file /etc/sudoers.d/m1_efm');
    expect(ops.some((n) => /encrypt|^service /.test(n))).toBe(false);
    // the witness runs no Postgres: its postgres user does not join group efm
    expect(await names(ctx, 'quarto')).not.toContain('user postgres in group efm');
  });

  it('without it: efm encrypt read after the account and before the files, password on stdin; EFM started at the end; changed files restart it', async () => {
    const read: (FactDef<unknown> | Operation)[] = [];
    const ops = await opsOf(efmAgentRole(context(defaultLayout())), fakeHost('quash', { 'custom:efm-encrypt': '0123456789abcdef' }, read as FactDef<unknown>[]), read);
    const order = read.map((x) => ('key' in x ? x.key : x.name));
    expect(order.indexOf('custom:efm-encrypt')).toBeGreaterThan(order.indexOf('user efm'));
    expect(order.indexOf('custom:efm-encrypt')).toBeLessThan(order.indexOf('file /etc/edb/efm-4.9/efm1.properties'));
    const encrypt = read.find((x): x is FactDef<unknown> => 'key' in x)!;
    expect(encrypt.command).toMatch(/^cd \/ && runuser -u efm -- sh -c /);
    expect(encrypt.command).not.toContain('pw-efm');
    expect(encrypt.stdin).toBe('pw-efm\n');
    const n = ops.map((o) => o.name);
    expect(n[n.length - 1]).toBe('service edb-efm-4.9 started, enabled');
    const props = ops.find((o) => o.name === 'file /etc/edb/efm-4.9/efm1.properties')!;
    expect(props.notify).toEqual([{ service: 'edb-efm-4.9', action: 'restart' }]);
    const sudoers = ops.find((o) => o.name === 'file /etc/sudoers.d/m1_efm')!;
    expect(sudoers.notify).toEqual([]);
  });
});

describe('efmDeployGate', () => {
  it('with --skip-packages efm: no token needed, and the lines saying what is left out', () => {
    const g = efmDeployGate(defaultLayout(), {}, ['efm']);
    expect(g.token).toBeUndefined();
    expect(g.report.join('\n')).toMatch(/db\.password\.encrypted left out/);
  });

  it('refuses (exit 2) a token without the repositories\' address, and a token of the wrong shape, never echoing it', () => {
    const secret = 'abc$(touch x)';
    for (const [env, message] of [
      [{ [TOKEN_VARIABLE]: 'tok123' }, /edb_repository_url is not set/],
      [{ [TOKEN_VARIABLE]: secret }, /holds characters/],
    ] as const) {
      let error: unknown;
      try {
        efmDeployGate(defaultLayout({ ...(env[TOKEN_VARIABLE] === secret ? { edb_repository_url: 'https://repo.example.test' } : {}) }), env, []);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secret);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
    const ok = efmDeployGate(defaultLayout({ edb_repository_url: 'https://repo.example.test' }), { [TOKEN_VARIABLE]: 'tok123' }, []);
    expect(ok.token?.reveal()).toBe('tok123');
    expect(ok.report).toEqual([]);
  });
});

describe('parseEfmServerState', () => {
  it('reads roles, physical slots and recovery from one command', () => {
    const s = parseEfmServerState('efm|t|t|f|f|f|SCRAM-SHA-256$x|\npostgres|t|t|t|t|t||\n@@m1:slots\nquack\n@@m1:recovery\nf\n');
    expect(s.roles.map((r) => r.name)).toEqual(['efm', 'postgres']);
    expect(s.roles[0]!.attributes.superuser).toBe(true);
    expect(s.slots).toEqual(['quack']);
    expect(s.inRecovery).toBe(false);
  });
});

describe('m1 deploy --help', () => {
  it('names every failover manager and every --skip-packages group', async () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    try {
      await main(['node', 'm1', 'deploy', '--help']);
    } finally {
      spy.mockRestore();
    }
    const flat = out.replace(/\s+/g, ' ');
    expect(flat).toMatch(/repmgr, EFM, or Patroni/);
    expect(flat).toMatch(/postgres, repmgr, barman, pgbouncer, efm, patroni, etcd, haproxy/);
    expect(flat).toContain('EDB_SUBSCRIPTION_TOKEN');
  });
});
