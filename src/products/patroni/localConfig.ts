/**
 * The desired /etc/patroni/<cluster>.yml of one data node (Patroni 3.0.2
 * keys; reference 5.3). It holds passwords: written root:postgres 0640 and
 * never shown in a diff.
 *
 * Rendered with the yaml library rather than a Handlebars template: passwords
 * and pg_hba lines are arbitrary strings, and only a YAML serializer quotes
 * them correctly. YAML 1.1 output, because Patroni reads the file with
 * PyYAML (YAML 1.1), where unquoted on/off/yes/no are booleans: "off" must
 * stay a string for `watchdog.mode`.
 */
import { Document, isPair, isScalar, visit } from 'yaml';
import { ConfigError } from '../../errors.js';
import { clusterVar } from '../../config/vars.js';
import { hasRole, instanceByName, type Cluster, type Instance } from '../../inventory/cluster.js';
import { etcdClientPort, etcdMembers, instanceAddress } from '../etcd/members.js';
import { ETCD_PATRONI_USER } from '../etcd/auth.js';
import { patroniDynamicConfig, type DynamicConfigOptions } from './dynamicConfig.js';
import { mergeWithDeletes, type JsonObject } from './json.js';
import { pgbouncerHosts } from './members.js';
import { ON_ROLE_CHANGE_PATH } from './onRoleChange.js';
import { localParameters } from './parameters.js';
import { pgHbaConf } from '../postgres/hba.js';
import { sslCertPath, sslKeyPath } from '../postgres/layout.js';
import { CA_CERT_PATH } from '../postgres/certificates.js';
import {
  PATRONI_REST_USER,
  PATRONI_REWIND_USER,
  patroniNamespace,
  patroniPgpassPath,
  patroniRestPort,
  postgresNode,
} from './settings.js';

/**
 * libpq settings Patroni adds to its replication and rewind connections: the server's certificate
 * must be the cluster CA's. verify-ca, not verify-full: Patroni also opens these connections to its
 * own server as "localhost" (reading the local timeline before deciding on pg_rewind), a name no
 * certificate carries; with verify-full that read failed, and a former leader never rewound.
 */
const VERIFY_SERVER = { sslmode: 'verify-ca', sslrootcert: CA_CERT_PATH } as const;

export interface PatroniSecrets {
  /** The postgres superuser's password. */
  superuser: string;
  replication: string;
  /**
   * The `rewind` user's password (pg_rewind connects with it; the user needs
   * rewindGrantStatements). Absent: pg_rewind connects as the superuser.
   */
  rewind?: string;
  /** REST API basic auth for user `patroni`; also what patronictl sends. */
  restApi: string;
  /** etcd's `patroni` user (Patroni's and patronictl's login to the DCS). */
  etcd: string;
}

export interface LocalConfigInputs extends DynamicConfigOptions {
  cluster: Cluster;
  instance: Instance;
  secrets: PatroniSecrets;
  /** pg_hba.conf lines; default the postgres role's (postgresRoleHbaLines). */
  pgHba?: readonly string[];
}

/**
 * The pg_hba lines Patroni writes: the postgres role's pg_hba.conf, line for
 * line (Patroni owns pg_hba.conf once it runs, so the rules must come to it).
 */
export function postgresRoleHbaLines(cluster: Cluster): string[] {
  return pgHbaConf(cluster)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** replicatefrom: only for a replica configured under another replica (cascading). */
export function replicateFrom(cluster: Cluster, instance: Instance): string | undefined {
  if (!instance.upstream) return undefined;
  const up = instanceByName(cluster, instance.upstream);
  return up && hasRole(up, 'replica') ? up.name : undefined;
}

/** patroni.yml's etcd3 section. */
export function patroniEtcd3(cluster: Cluster, password: string): JsonObject {
  const clientPort = etcdClientPort(cluster);
  return {
    hosts: etcdMembers(cluster).map((m) => `${m.address}:${clientPort}`),
    protocol: 'https',
    cacert: CA_CERT_PATH,
    username: ETCD_PATRONI_USER,
    password,
  };
}

export function patroniLocalConfig(inputs: LocalConfigInputs): JsonObject {
  const { cluster, instance, secrets } = inputs;
  if (!hasRole(instance, 'primary') && !hasRole(instance, 'replica')) {
    throw new Error(`${instance.name}: not a data node (role primary or replica), so no Patroni config`);
  }
  const pg = postgresNode(cluster, instance);
  const address = instanceAddress(instance);
  const restPort = patroniRestPort(cluster, instance);
  const hba = [...(inputs.pgHba ?? postgresRoleHbaLines(cluster))];

  const postgresql: JsonObject = {
    listen: `0.0.0.0:${pg.port}`,
    connect_address: `${address}:${pg.port}`,
    data_dir: pg.dataDir,
    bin_dir: pg.binDir,
    pgpass: patroniPgpassPath(cluster, instance),
    // Local superuser connections through the socket: peer auth, no password over TCP.
    use_unix_socket: true,
    // Replication and pg_rewind connect over TCP: the server's certificate must be the cluster CA's,
    // or the replica does not stream.
    authentication: {
      superuser: { username: pg.user, password: secrets.superuser },
      replication: { username: pg.replicationUser, password: secrets.replication, ...VERIFY_SERVER },
      rewind:
        secrets.rewind === undefined
          ? { username: pg.user, password: secrets.superuser, ...VERIFY_SERVER }
          : { username: PATRONI_REWIND_USER, password: secrets.rewind, ...VERIFY_SERVER },
    },
    // This host's certificate: a replica Patroni clones (pg_basebackup) gets the leader's conf.d,
    // which names the leader's files, and would not start with them.
    parameters: {
      unix_socket_directories: pg.socketDir,
      ssl_cert_file: sslCertPath(instance.name),
      ssl_key_file: sslKeyPath(instance.name),
      ...localParameters(cluster, instance),
    },
    pg_hba: hba,
    create_replica_methods: ['basebackup'],
    basebackup: { checkpoint: 'fast' },
  };
  if (pgbouncerHosts(cluster).length > 0) {
    postgresql.callbacks = { on_role_change: ON_ROLE_CHANGE_PATH };
  }
  const upstream = replicateFrom(cluster, instance);

  const config: JsonObject = {
    scope: cluster.name,
    namespace: patroniNamespace(cluster),
    name: instance.name,
    // TLS with the host's pair (the postgres role installs it; Patroni runs as postgres): HAProxy's
    // checks, patronictl and the other members verify it against the cluster CA (cafile, which
    // patronictl also uses as its CA). Every unsafe method (POST, PUT, PATCH, DELETE) needs the password.
    restapi: {
      listen: `0.0.0.0:${restPort}`,
      connect_address: `${address}:${restPort}`,
      certfile: sslCertPath(instance.name),
      keyfile: sslKeyPath(instance.name),
      cafile: CA_CERT_PATH,
      authentication: { username: PATRONI_REST_USER, password: secrets.restApi },
    },
    // v3 API: etcd 3.4 does not serve v2 by default (TESTBED: "Patroni and etcd"). Over TLS,
    // each member's certificate checked against the cluster CA, as etcd's patroni user.
    // Patroni reads this section only when it starts (a reload takes the password alone).
    etcd3: patroniEtcd3(cluster, secrets.etcd),
    bootstrap: {
      dcs: patroniDynamicConfig(cluster, inputs),
      // Used only if Patroni must create the cluster itself (empty data dir on the
      // first leader); m1's postgres role normally runs initdb. Required by
      // `patroni --validate-config`.
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      pg_hba: hba,
    },
    postgresql,
    tags: {
      nofailover: false,
      noloadbalance: false,
      clonefrom: false,
      nosync: false,
      ...(upstream ? { replicatefrom: upstream } : {}),
    },
    // No watchdog device in containers (TPA forbids it on docker too).
    watchdog: { mode: 'off' },
  };
  const overrides = clusterVar(cluster, 'patroni_conf_settings');
  if (overrides === undefined) return config;
  const merged = mergeWithDeletes(config, overrides as JsonObject);
  for (const key of ['scope', 'namespace', 'name', 'restapi', 'postgresql', 'etcd3']) {
    if (!(key in merged)) {
      throw new ConfigError([
        {
          file: `${cluster.dir}/config.yml`,
          path: `cluster_vars.patroni_conf_settings.${key}`,
          message: `Patroni needs ${key}; do not delete it`,
        },
      ]);
    }
  }
  return merged;
}

/**
 * The file's text: YAML 1.1 (PyYAML), keys in the order built, long lines
 * unfolded, no anchors (the pg_hba list appears twice), and every password
 * double-quoted whatever characters it holds.
 */
export function patroniYaml(config: JsonObject, header?: string): string {
  const doc = new Document(config, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'password' && isScalar(pair.value)) {
        pair.value.type = 'QUOTE_DOUBLE';
      }
    },
  });
  const body = doc.toString({ lineWidth: 0 });
  return header ? `${header.replace(/^/gm, '# ')}\n${body}` : body;
}

/** The content of /etc/patroni/<cluster>.yml for one data node. */
export function patroniConfigFile(inputs: LocalConfigInputs): string {
  return patroniYaml(
    patroniLocalConfig(inputs),
    `Written by m1 for Patroni member ${inputs.instance.name} of cluster ${inputs.cluster.name}; edits are overwritten by \`m1 deploy\`.\nCluster-wide settings live in the DCS (patronictl show-config); m1 keeps them equal to config.yml.`,
  );
}
