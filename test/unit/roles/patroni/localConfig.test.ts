import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../../src/errors.js';
import { patroniFiles } from '../../../../src/products/patroni/files.js';
import { patroniConfigFile, patroniLocalConfig, type PatroniSecrets } from '../../../../src/products/patroni/localConfig.js';
import { pgHbaConf } from '../../../../src/products/postgres/hba.js';
import { instance, patroniCluster } from './fixture.js';

const secrets: PatroniSecrets = { superuser: 'su-pw', replication: 'off', rewind: 'rw: #x', restApi: 'api"pw\\', etcd: "etcd'pw: #" };

function config(over: Parameters<typeof patroniCluster>[0] = {}, name = 'kaftan') {
  const c = patroniCluster(over);
  return patroniLocalConfig({ cluster: c, instance: instance(c, name), secrets }) as Record<string, any>;
}

describe('patroni.yml', () => {
  it('names scope, namespace and member', () => {
    const c = config();
    expect(c.scope).toBe('patroni1');
    expect(c.namespace).toBe('/m1/');
    expect(c.name).toBe('kaftan');
    expect(config({ clusterVars: { patroni_dcs_namespace: 'tpa' } }).namespace).toBe('/tpa/');
  });

  it('serves the REST API on 8008 everywhere, advertised on its IP, over TLS with the host\'s pair and the cluster CA, with basic auth', () => {
    expect(config().restapi).toEqual({
      listen: '0.0.0.0:8008',
      connect_address: '10.33.0.3:8008',
      certfile: '/etc/m1/ssl/kaftan.crt',
      keyfile: '/etc/m1/ssl/kaftan.key',
      cafile: '/etc/m1/ssl/ca.crt',
      authentication: { username: 'patroni', password: secrets.restApi },
    });
  });

  it('talks to the three etcd members over the v3 API, over TLS checked against the cluster CA, as etcd\'s patroni user', () => {
    const c = config();
    expect(c.etcd3).toEqual({
      hosts: ['10.33.0.5:2379', '10.33.0.6:2379', '10.33.0.7:2379'],
      protocol: 'https',
      cacert: '/etc/m1/ssl/ca.crt',
      username: 'patroni',
      password: secrets.etcd,
    });
    expect(c.etcd).toBeUndefined();
  });

  it('runs Postgres from the data dir and Debian bin dir of the cluster version, with the three users', () => {
    const pg = config().postgresql;
    expect(pg.listen).toBe('0.0.0.0:5432');
    expect(pg.connect_address).toBe('10.33.0.3:5432');
    expect(pg.data_dir).toBe('/opt/postgres/data');
    expect(pg.bin_dir).toBe('/usr/lib/postgresql/15/bin');
    expect(pg.pgpass).toBe('/var/lib/postgresql/.pgpass.patroni');
    expect(pg.authentication).toEqual({
      superuser: { username: 'postgres', password: 'su-pw' },
      // A member's replication and rewind connections verify the server's certificate against the cluster CA (verify-ca: Patroni also opens them to itself as localhost).
      replication: { username: 'replication', password: 'off', sslmode: 'verify-ca', sslrootcert: '/etc/m1/ssl/ca.crt' },
      rewind: { username: 'rewind', password: 'rw: #x', sslmode: 'verify-ca', sslrootcert: '/etc/m1/ssl/ca.crt' },
    });
    expect(pg.create_replica_methods).toEqual(['basebackup']);
  });

  it("keeps the instance's own parameters local and the cluster's in bootstrap.dcs", () => {
    const c = config({
      clusterVars: { postgres_conf_settings: { work_mem: '32MB' } },
      vars: { kaftan: { postgres_conf_settings: { effective_io_concurrency: 200 } } },
    });
    expect(c.postgresql.parameters).toEqual({
      unix_socket_directories: '/var/run/postgresql',
      ssl_cert_file: `/etc/m1/ssl/${c.name}.crt`,
      ssl_key_file: `/etc/m1/ssl/${c.name}.key`,
      effective_io_concurrency: 200,
    });
    expect(c.bootstrap.dcs.postgresql.parameters.work_mem).toBe('32MB');
    expect(c.bootstrap.dcs.postgresql.parameters.effective_io_concurrency).toBeUndefined();
    expect(c.bootstrap.dcs.slots).toEqual({ kaboom: { type: 'physical' }, kaftan: { type: 'physical' } });
    expect(c.bootstrap.dcs.ignore_slots).toEqual([{ name: 'backup_kaolin', type: 'physical' }]);
  });

  it("uses the given pg_hba lines, else the postgres role's pg_hba.conf line for line", () => {
    const cl = patroniCluster();
    const given = patroniLocalConfig({ cluster: cl, instance: instance(cl, 'kaboom'), secrets, pgHba: ['local all all peer'] }) as any;
    expect(given.postgresql.pg_hba).toEqual(['local all all peer']);
    const hba: string[] = config().postgresql.pg_hba;
    const role = pgHbaConf(cl).split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).map((l) => l.trim());
    expect(hba).toEqual(role);
    expect(hba.some((l) => /^hostssl\s+replication\s+all\s+10\.33\.0\.3\/32\s+scram-sha-256$/.test(l))).toBe(true);
    expect(hba.some((l) => /^hostssl\s+replication\s+streaming_barman\s+10\.33\.0\.4\/32/.test(l))).toBe(true);
    expect(config().bootstrap.pg_hba).toEqual(hba);
  });

  it('without a rewind password, pg_rewind uses the superuser', () => {
    const cl = patroniCluster();
    const { rewind: _r, ...noRewind } = secrets;
    const c = patroniLocalConfig({ cluster: cl, instance: instance(cl, 'kaftan'), secrets: noRewind }) as any;
    expect(c.postgresql.authentication.rewind).toEqual({ username: 'postgres', password: 'su-pw', sslmode: 'verify-ca', sslrootcert: '/etc/m1/ssl/ca.crt' });
  });

  it('turns the watchdog off and sets plain tags; no callback without PgBouncer', () => {
    const c = config();
    expect(c.watchdog).toEqual({ mode: 'off' });
    expect(c.tags).toEqual({ nofailover: false, noloadbalance: false, clonefrom: false, nosync: false });
    expect(c.postgresql.callbacks).toBeUndefined();
  });

  it('with PgBouncer, calls the on_role_change script', () => {
    expect(config({ pgbouncer: true, haproxy: false }).postgresql.callbacks).toEqual({ on_role_change: '/etc/patroni/on_role_change.sh' });
  });

  it('a cascaded replica replicates from its upstream replica', () => {
    const cl = patroniCluster();
    cl.instances.push({ ...instance(cl, 'kaftan'), name: 'kaput2', node: 9, upstream: 'kaftan', ipAddress: '10.33.0.10' });
    const c = patroniLocalConfig({ cluster: cl, instance: instance(cl, 'kaput2'), secrets }) as any;
    expect(c.tags.replicatefrom).toBe('kaftan');
  });

  it('patroni_conf_settings merges on top; deleting a required key is an error', () => {
    expect(config({ clusterVars: { patroni_conf_settings: { log: { level: 'DEBUG' }, tags: { nosync: true } } } })).toMatchObject({
      log: { level: 'DEBUG' },
      tags: { nosync: true, nofailover: false },
    });
    expect(() => config({ clusterVars: { patroni_conf_settings: { restapi: null } } })).toThrow(ConfigError);
  });

  it('refuses non-data nodes', () => {
    const cl = patroniCluster();
    expect(() => patroniLocalConfig({ cluster: cl, instance: instance(cl, 'kapok'), secrets })).toThrow(/not a data node/);
  });
});

describe('patroni.yml text', () => {
  const cl = patroniCluster({ clusterVars: { postgres_conf_settings: { log_connections: true } } });
  const text = patroniConfigFile({ cluster: cl, instance: instance(cl, 'kaftan'), secrets });

  it('reads back (as YAML 1.1, like PyYAML) to exactly the built config', () => {
    const built = patroniLocalConfig({ cluster: cl, instance: instance(cl, 'kaftan'), secrets });
    expect(parse(text, { version: '1.1' })).toEqual(built);
  });

  it('quotes what YAML 1.1 would turn into booleans, and every password', () => {
    expect(text).toContain('mode: "off"');
    expect(text).toContain('log_connections: "on"');
    expect(text).toContain('password: "off"');
    expect(text).toContain('password: "su-pw"');
    expect(text).toContain('password: "api\\"pw\\\\"');
  });

  it('has no YAML anchors and starts with a comment', () => {
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.startsWith('# Written by m1')).toBe(true);
  });

  it('is a secret file readable by postgres only through its group', () => {
    const files = patroniFiles({ cluster: cl, instance: instance(cl, 'kaftan'), secrets });
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ path: '/etc/patroni/patroni1.yml', owner: 'root', group: 'postgres', mode: 0o640, secret: true });
  });
});
