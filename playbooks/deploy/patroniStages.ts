/**
 * The deploy playbook of a Patroni M1 cluster:
 *   1. common: every host at once (/etc/hosts, packages, SSH between service users);
 *   2. etcd: members prepared and started together, then healthy with exactly
 *      config.yml's membership, then members whose settings changed restarted
 *      one at a time — all before any Patroni starts;
 *   3. the primary (live leader): the postgres role (initdb, conf, users on a
 *      first deploy; only layout and users once Patroni runs), then Patroni,
 *      which adopts the running Postgres on a first deploy;
 *   4. the replicas together: pg_basebackup from the leader, Patroni starts them;
 *   5. Patroni settings on the leader: the DCS configuration as config.yml
 *      says, pending restarts through the REST API (replicas first);
 *   6. Barman, then PgBouncer, then HAProxy.
 * The live leader wins over config.yml: after a switchover the new leader is
 * "the primary" here, and nothing moves it back.
 */
import { access } from 'node:fs/promises';
import type { DeployContext } from '../../roles/context.js';
import type { Playbook, Stage } from '../../src/engine/index.js';
import { hasRole } from '../../src/inventory/cluster.js';
import { ensureSecret, generatePassword, readSecret, secretPath } from '../../src/secrets/index.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { commonRole } from '../../roles/common/role.js';
import { postgresRole } from '../../roles/postgres/role.js';
import { barmanRole } from '../../roles/barman/role.js';
import { pgbouncerRole } from '../../roles/pgbouncer/role.js';
import { etcdHealthRole, etcdRole, etcdSettingsRole } from '../../roles/etcd/role.js';
import { etcdMembers } from '../../src/products/etcd/members.js';
import { patroniMembers } from '../../src/products/patroni/members.js';
import { PATRONI_REST_SECRET, patroniRole, patroniSettingsRole } from '../../roles/patroni/role.js';
import { haproxyRole } from '../../roles/haproxy/role.js';
import { patroniPackagesRole } from '../../roles/patroni/packages.js';

/**
 * The REST API password, stored with the other secrets and registered; in
 * check mode a missing one is not stored (a throwaway value stands in).
 */
export async function ensurePatroniSecrets(ctx: DeployContext): Promise<DeployContext> {
  if (ctx.passwords?.[PATRONI_REST_SECRET] !== undefined) return ctx;
  const dir = ctx.cluster.dir;
  let password: string;
  const stored = await access(secretPath(dir, PATRONI_REST_SECRET)).then(
    () => true,
    () => false,
  );
  if (ctx.check) password = stored ? await readSecret(dir, PATRONI_REST_SECRET) : generatePassword();
  else password = (await ensureSecret(dir, PATRONI_REST_SECRET)).password;
  ctx.secrets.register(password);
  return { ...ctx, passwords: { ...(ctx.passwords ?? {}), [PATRONI_REST_SECRET]: password } };
}

/** The stages, given a context whose passwords include Patroni's (ensurePatroniSecrets). */
export function patroniStages(ctx: DeployContext): Stage[] {
  const cluster = ctx.cluster;
  const byNode = [...cluster.instances].sort((a, b) => a.node - b.node);
  const all = byNode.map((i) => i.name);
  const etcd = etcdMembers(cluster).map((m) => m.name);
  const data = patroniMembers(cluster).map((m) => m.name);
  const primary = effectivePrimary(cluster, ctx.live);
  const replicas = data.filter((h) => h !== primary);
  const pgRoles = [postgresRole(ctx), patroniRole(ctx)];

  const stages: Stage[] = [
    // The etcd, Patroni and HAProxy packages too: every host's apt runs at once, not stage after stage.
    { name: 'common', hosts: all, roles: [commonRole(ctx), patroniPackagesRole(ctx)] },
    { name: 'etcd', hosts: etcd, roles: [etcdRole(ctx)] },
    { name: 'etcd health', hosts: [etcd[0]!], roles: [etcdHealthRole(ctx)], dependsOn: etcd },
    { name: 'etcd settings', hosts: etcd, roles: [etcdSettingsRole(ctx)], serial: true, dependsOn: etcd },
    { name: 'primary', hosts: [primary], roles: pgRoles, dependsOn: etcd },
  ];
  if (replicas.length > 0) stages.push({ name: 'replicas', hosts: replicas, roles: pgRoles, dependsOn: [primary] });
  stages.push({ name: 'patroni settings', hosts: [primary], roles: [patroniSettingsRole(ctx)], dependsOn: data });
  const with_ = (pred: (i: (typeof byNode)[number]) => boolean) => byNode.filter(pred).map((i) => i.name);
  const barman = with_((i) => hasRole(i, 'barman') || i.backup !== undefined);
  if (barman.length > 0) stages.push({ name: 'barman', hosts: barman, roles: [barmanRole(ctx)], dependsOn: [primary] });
  const pgbouncer = with_((i) => hasRole(i, 'pgbouncer'));
  if (pgbouncer.length > 0) stages.push({ name: 'pgbouncer', hosts: pgbouncer, roles: [pgbouncerRole(ctx)], dependsOn: [primary] });
  const haproxy = with_((i) => hasRole(i, 'haproxy'));
  if (haproxy.length > 0) stages.push({ name: 'haproxy', hosts: haproxy, roles: [haproxyRole(ctx)], dependsOn: [primary] });
  return stages;
}

/** The Patroni deploy playbook (stores the REST API password on a first deploy). */
export async function patroniPlaybook(ctx: DeployContext): Promise<Playbook> {
  return { name: 'deploy', stages: patroniStages(await ensurePatroniSecrets(ctx)) };
}
