/**
 * A small Postgres cluster set up by hand on test containers, to run the
 * Barman and PgBouncer roles against real Barman, PgBouncer and PostgreSQL
 * without the rest of deploy: Debian's own `15/main` server on the primary
 * (users, grants and pgbouncer_get_auth from roles/postgres/users.ts), a
 * replica cloned with pg_basebackup, per-host TLS pairs signed by a test CA (as deploy installs them),
 * and barman's SSH key authorized for postgres on both data nodes.
 */
import { testTls } from '../../unit/roles/tlsFixture.js';
import { join } from 'node:path';
import { Engine, Secrets, connectorsFromInventory, stderrTail, type Role, type RunResult } from '../../../src/engine/index.js';
import type { ClusterTls, DeployContext } from '../../../roles/context.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import type { LiveState } from '../../../src/inventory/liveTopology.js';
import { sslCertPath, sslKeyPath } from '../../../src/products/postgres/layout.js';
import { CA_CERT_PATH } from '../../../src/products/postgres/certificates.js';
import { barmanGrantsSql, desiredBarmanRole, desiredRole, ensureRoleSql, pgbouncerGetAuthSql, type DbUser } from '../../../src/products/postgres/users.js';
import { generatePassword, scramVerifier } from '../../../src/secrets/index.js';
import type { ProvisionedTestCluster } from '../../support/provisioned.js';

export const APP_USER = 'm1app';
const CONF = '/etc/postgresql/15/main';
const DATA = '/var/lib/postgresql/15/main';

export interface Handmade {
  passwords: Record<string, string>;
  secrets: Secrets;
  /** One CA and one pair per host for the whole test: a new pair on every run would be a change on every run. */
  tls: ClusterTls;
}

async function must(tc: ProvisionedTestCluster, host: string, script: string, input?: string): Promise<string> {
  const r = await tc.ssh(host, script, input);
  if (r.code !== 0) throw new Error(`${host}: setup step failed (exit ${r.code}): ${stderrTail(r, 5)}`);
  return r.stdout;
}

/** Debian's cluster listening everywhere over TLS with the host's pair signed by the test CA (PgBouncer verifies it). */
function serverConf(host: string): string {
  return [
    'set -e',
    `printf "listen_addresses = '*'\\nssl_cert_file = '${sslCertPath(host)}'\\nssl_key_file = '${sslKeyPath(host)}'\\n" > ${CONF}/conf.d/m1test.conf`,
    `grep -q m1test ${CONF}/pg_hba.conf || printf '# m1test\\nhostssl all all 0.0.0.0/0 scram-sha-256\\nhostssl replication all 0.0.0.0/0 scram-sha-256\\n' >> ${CONF}/pg_hba.conf`,
  ].join('\n');
}

/** The host's certificate pair (as the postgres role installs it) and the CA's certificate. */
async function installTls(tc: ProvisionedTestCluster, tls: ClusterTls, host: string): Promise<void> {
  const pair = tls.hosts[host]!;
  await must(tc, host, `install -d -m 0755 /etc/m1/ssl && install -m 0644 -o postgres -g postgres /dev/stdin ${sslCertPath(host)}`, pair.cert);
  await must(tc, host, `install -m 0600 -o postgres -g postgres /dev/stdin ${sslKeyPath(host)}`, pair.key);
  await must(tc, host, `install -m 0644 /dev/stdin ${CA_CERT_PATH}`, tls.ca);
}

export async function setUpHandmadeCluster(tc: ProvisionedTestCluster): Promise<Handmade> {
  const [n1, n2, n3] = tc.cluster.instances.map((i) => i.name) as [string, string, string];
  const users: DbUser[] = ['barman', 'streaming_barman', 'replication', 'pgbouncer_auth_user'];
  const passwords: Record<string, string> = Object.fromEntries([...users, 'pgbouncer', APP_USER].map((u) => [u, generatePassword()]));
  const secrets = new Secrets();
  for (const p of Object.values(passwords)) secrets.register(p);

  // Primary: Debian's cluster listening everywhere, m1's users and grants.
  const tls = testTls(tc.cluster);
  for (const h of [n1, n2]) await installTls(tc, tls, h);
  await must(tc, n1, `${serverConf(n1)}\nsystemctl restart postgresql@15-main`);
  const sql = [
    ensureRoleSql(desiredBarmanRole()),
    ...users.map((u) => ensureRoleSql(desiredRole(u, scramVerifier(passwords[u]!)))),
    `CREATE ROLE ${APP_USER} LOGIN PASSWORD '${scramVerifier(passwords[APP_USER]!)}';`,
    barmanGrantsSql(15),
    pgbouncerGetAuthSql(),
    `CREATE TABLE writes (id serial PRIMARY KEY, via text, at timestamptz DEFAULT now());`,
    `GRANT INSERT, SELECT ON writes TO ${APP_USER}; GRANT USAGE ON SEQUENCE writes_id_seq TO ${APP_USER};`,
    '\\c template1',
    pgbouncerGetAuthSql(),
  ].join('\n');
  await must(tc, n1, 'runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres', sql);

  // Replica: a clone of the primary.
  await must(
    tc,
    n2,
    [
      serverConf(n2),
      'systemctl stop postgresql@15-main',
      `rm -rf ${DATA}`,
      `install -m 0600 -o postgres -g postgres /dev/stdin /var/lib/postgresql/.pgpass`,
      `runuser -u postgres -- pg_basebackup -h ${n1} -U replication -D ${DATA} -R -X stream -w`,
      'systemctl start postgresql@15-main',
    ].join('\n'),
    `*:*:*:replication:${passwords['replication']}\n`,
  );

  // No Postgres on the Barman host.
  await must(tc, n3, 'systemctl disable --now postgresql >/dev/null 2>&1; true');

  // barman -> postgres@data nodes (the common role's job in a real deploy).
  const pub = await must(
    tc,
    n3,
    [
      'set -e',
      'test -f /var/lib/barman/.ssh/id_ed25519 || runuser -u barman -- sh -c "mkdir -p -m 700 ~/.ssh && ssh-keygen -q -t ed25519 -N \'\' -f ~/.ssh/id_ed25519"',
      `ssh-keyscan ${n1} ${n2} 2>/dev/null > /etc/ssh/ssh_known_hosts`,
      'cat /var/lib/barman/.ssh/id_ed25519.pub',
    ].join('\n'),
  );
  for (const h of [n1, n2]) {
    await must(tc, h, 'install -d -m 700 -o postgres -g postgres /var/lib/postgresql/.ssh && install -m 600 -o postgres -g postgres /dev/stdin /var/lib/postgresql/.ssh/authorized_keys', pub);
  }
  return { passwords, secrets, tls };
}

export function deployContext(cluster: Cluster, made: Handmade, live: LiveState, check = false): DeployContext {
  return {
    cluster,
    live,
    hosts: {},
    secrets: made.secrets,
    secretsDir: join(cluster.dir, 'secrets'),
    check,
    memoryMb: Object.fromEntries(cluster.instances.map((i) => [i.name, 1024])),
    skipPackages: new Set(),
    passwords: made.passwords,
    tls: made.tls,
  };
}

/** Runs roles on hosts (one stage per entry) through the engine, as deploy would. */
export async function runRoles(tc: ProvisionedTestCluster, made: Handmade, stages: { hosts: string[]; role: Role }[], check = false): Promise<RunResult> {
  const hosts = new Set(stages.flatMap((s) => s.hosts));
  const all = connectorsFromInventory(tc.dir, tc.inventory);
  const connectors = new Map([...all].filter(([h]) => hosts.has(h)));
  const engine = await Engine.open({ connectors, clusterDir: tc.dir, command: 'test', secrets: made.secrets, check });
  try {
    return await engine.run({ name: 'roles', stages: stages.map((s, n) => ({ name: `${s.role.name} ${n}`, hosts: s.hosts, roles: [s.role] })) });
  } finally {
    await engine.close();
  }
}
