import { describe, expect, it } from 'vitest';
import { hbaSections, pgHbaConf } from '../../../../src/products/postgres/hba.js';
import { defaultCluster, twoLocationCluster } from '../fixtures.js';

const SERVICE = 'postgres,repmgr,barman,streaming_barman,replication,pgbouncer_auth_user,efm,rewind';

/** pg_hba lines without comments, whitespace collapsed. */
function rules(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/).join(' '));
}

describe('pgHbaConf', () => {
  it('uses scram-sha-256 for every password line and peer locally', () => {
    const r = rules(pgHbaConf(defaultCluster()));
    expect(r.filter((l) => l.startsWith('local')).every((l) => l.endsWith(' peer'))).toBe(true);
    expect(r.filter((l) => !l.startsWith('local') && !l.endsWith(' reject')).every((l) => l.endsWith(' scram-sha-256'))).toBe(true);
    expect(r.some((l) => / (md5|trust|password)$/.test(l))).toBe(false);
  });

  it('allows replication only from the cluster hosts that run Postgres, and streaming_barman from Barman', () => {
    const r = rules(pgHbaConf(twoLocationCluster()));
    const repl = r.filter((l) => l.split(' ')[1] === 'replication' && l.startsWith('hostssl'));
    expect(repl).toEqual([
      'hostssl replication all 10.33.0.11/32 scram-sha-256',
      'hostssl replication all 10.33.0.12/32 scram-sha-256',
      'hostssl replication all 10.33.0.13/32 scram-sha-256',
      'hostssl replication all 10.33.0.14/32 scram-sha-256',
      'hostssl replication streaming_barman 10.33.0.15/32 scram-sha-256',
    ]);
  });

  it('gives the Barman-only host barman@postgres but no general access', () => {
    const r = rules(pgHbaConf(twoLocationCluster()));
    const epsilon = r.filter((l) => l.includes('10.33.0.15/32'));
    expect(epsilon).toEqual([
      'hostssl postgres barman 10.33.0.15/32 scram-sha-256',
      'hostssl replication streaming_barman 10.33.0.15/32 scram-sha-256',
    ]);
  });

  it('lets pgbouncer_auth_user in from PgBouncer hosts', () => {
    const r = rules(pgHbaConf(twoLocationCluster()));
    expect(r).toContain('hostssl all pgbouncer_auth_user 10.33.0.12/32 scram-sha-256');
    expect(rules(pgHbaConf(defaultCluster())).some((l) => l.includes('pgbouncer_auth_user') && !l.endsWith('reject'))).toBe(false);
  });

  it('ends with client access over TLS from anywhere by default, never for replication', () => {
    const r = rules(pgHbaConf(defaultCluster()));
    expect(r[r.length - 1]).toBe('hostssl all all 0.0.0.0/0 scram-sha-256');
    expect(r.filter((l) => l.includes('0.0.0.0/0') && !l.endsWith(' reject'))).toHaveLength(1);
  });

  it('limits clients to the networks postgres_client_networks names', () => {
    const r = rules(pgHbaConf(defaultCluster({ postgres_client_networks: ['10.0.0.0/8', 'fd00::/8'] })));
    expect(r.slice(-2)).toEqual(['hostssl all all 10.0.0.0/8 scram-sha-256', 'hostssl all all fd00::/8 scram-sha-256']);
    expect(r.some((l) => l.includes('0.0.0.0/0') && !l.endsWith(' reject'))).toBe(false);
  });

  it('refuses a network that is not address/prefix', () => {
    expect(() => pgHbaConf(defaultCluster({ postgres_client_networks: ['10.0.0.0'] }))).toThrow(
      /cluster_vars\.postgres_client_networks\[0\]: "10\.0\.0\.0" is not an address\/prefix/,
    );
    expect(() => pgHbaConf(defaultCluster({ postgres_client_networks: ['300.0.0.0/8'] }))).toThrow(/not an address/);
  });

  it('puts postgres_hba_settings lines before the superusers\' refusal and the client lines', () => {
    const r = rules(pgHbaConf(defaultCluster({ postgres_hba_settings: ['hostssl app app 192.168.0.0/16 scram-sha-256'] })));
    expect(r.slice(-4)).toEqual([
      'hostssl app app 192.168.0.0/16 scram-sha-256',
      `host all ${SERVICE} 0.0.0.0/0 reject`,
      `host all ${SERVICE} ::/0 reject`,
      'hostssl all all 0.0.0.0/0 scram-sha-256',
    ]);
  });

  it('lets superusers and service users in only from the data, witness and Barman hosts', () => {
    const r = rules(pgHbaConf(defaultCluster()));
    const reject = r.findIndex((l) => l.endsWith(' reject'));
    // Before the refusal: local, loopback and the cluster's own hosts, nothing else.
    const before = r.slice(0, reject).filter((l) => !l.startsWith('local'));
    const addresses = new Set(before.map((l) => l.split(' ')[3]));
    expect([...addresses].sort()).toEqual(['10.33.0.11/32', '10.33.0.12/32', '10.33.0.13/32', '127.0.0.1/32', '::1/128']);
    expect(r.slice(reject, reject + 2)).toEqual([`host all ${SERVICE} 0.0.0.0/0 reject`, `host all ${SERVICE} ::/0 reject`]);
  });

  it('gives an HAProxy-only host application access after the refusal, never superuser access', () => {
    const c = defaultCluster();
    c.failoverManager = 'patroni';
    c.instances.push({ name: 'proxy', node: 9, location: 'main', roles: ['haproxy'], ipAddress: '10.33.0.19', vars: {}, extra: {} });
    const r = rules(pgHbaConf(c));
    const reject = r.findIndex((l) => l.endsWith(' reject'));
    const proxy = r.map((l, k) => [l, k] as const).filter(([l]) => l.includes('10.33.0.19/32'));
    expect(proxy.map(([l]) => l)).toEqual(['hostssl all all 10.33.0.19/32 scram-sha-256']);
    expect(proxy[0]![1]).toBeGreaterThan(reject);
  });

  it('keeps application users given SUPERUSER or REPLICATION inside too', () => {
    const r = rules(pgHbaConf(defaultCluster({ postgres_users: [{ username: 'app' }, { username: 'dba', role_attrs: ['superuser'] }, { username: 'feed', role_attrs: ['REPLICATION'] }] })));
    expect(r.find((l) => l.endsWith(' reject'))).toBe(`host all ${SERVICE},dba,feed 0.0.0.0/0 reject`);
  });

  it('falls back to the host name without an address', () => {
    const c = defaultCluster();
    delete c.instances[1]!.ipAddress;
    const beta = hbaSections(c).find((s) => s.comment.startsWith('beta'))!;
    expect(beta.entries[0]!.address).toBe('beta');
  });
});
