/**
 * The deploy playbook of an EFM M1 cluster (reference 2.9, 4.1, 5.2), in the
 * order of the LIVE replication topology:
 *   1. common: every host at once (/etc/hosts, packages, SSH between service
 *      users), and EDB's repository and the EFM packages on the EFM nodes
 *      (not with --skip-packages efm);
 *   2. the primary: postgres (initdb, conf, pg_hba with the efm lines, users),
 *      then the efm user and its replicas' slots;
 *   3. its replicas in parallel, then cascaded replicas level by level: the
 *      pg_basebackup clone, postgres, the slots of their own downstreams;
 *   4. restarts the settings need, one host at a time (repmgr's order);
 *   5. Barman, then PgBouncer;
 *   6. EFM on every agent, the witness (which runs no Postgres) included:
 *      account, encrypted password, files, then started, after Postgres.
 * A host whose upstream failed sits the later stages out.
 */
import { access } from 'node:fs/promises';
import type { DeployContext } from '../../roles/context.js';
import type { Playbook, Stage } from '../../src/engine/index.js';
import { hasRole } from '../../src/inventory/cluster.js';
import { ensureSecret, generatePassword, readSecret, secretPath } from '../../src/secrets/index.js';
import { effectivePrimary, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { commonRole } from '../../roles/common/role.js';
import { postgresRole } from '../../roles/postgres/role.js';
import { barmanRole } from '../../roles/barman/role.js';
import { pgbouncerRole } from '../../roles/pgbouncer/role.js';
import { efmNodeInstances } from '../../src/products/efm/nodes.js';
import { EFM_DB_USER, efmAgentRole, efmCloneRole, efmPostgresRole, efmRepositoryRole, withEfmHba } from '../../roles/efm/role.js';
import type { SubscriptionToken } from '../../src/products/efm/tokenGate.js';
import { postgresLevels, postgresRestartRole } from './repmgrStages.js';

export interface EfmPlaybookOptions {
  /** Hosts to restart at the end, in order (from the settings plan). */
  restartOrder: readonly string[];
  /** From the token gate; absent with --skip-packages efm. */
  token?: SubscriptionToken;
}

/**
 * The efm database user's password, stored with the other secrets and
 * registered; in check mode a missing one is not stored (a throwaway value
 * stands in).
 */
export async function ensureEfmSecrets(ctx: DeployContext): Promise<DeployContext> {
  if (ctx.passwords?.[EFM_DB_USER] !== undefined) return ctx;
  const dir = ctx.cluster.dir;
  const stored = await access(secretPath(dir, EFM_DB_USER)).then(
    () => true,
    () => false,
  );
  let password: string;
  if (ctx.check) password = stored ? await readSecret(dir, EFM_DB_USER) : generatePassword();
  else password = (await ensureSecret(dir, EFM_DB_USER)).password;
  ctx.secrets.register(password);
  return { ...ctx, passwords: { ...(ctx.passwords ?? {}), [EFM_DB_USER]: password } };
}

/** The stages, given a context whose passwords include efm's (ensureEfmSecrets). */
export function efmStages(ctx: DeployContext, options: EfmPlaybookOptions): Stage[] {
  // The postgres role writes pg_hba.conf from the cluster: give it one whose pg_hba has the efm lines.
  const pgCtx: DeployContext = { ...ctx, cluster: withEfmHba(ctx.cluster) };
  const cluster = ctx.cluster;
  const byNode = [...cluster.instances].sort((a, b) => a.node - b.node);
  const all = byNode.map((i) => i.name);
  const primary = effectivePrimary(cluster, ctx.live);
  const upstreamOf = (h: string): string[] => {
    const up = effectiveUpstream(cluster, ctx.live, h);
    return [...new Set([primary, ...(up ? [up] : [])])].filter((x) => x !== h);
  };
  const stages: Stage[] = [{ name: 'common', hosts: all, roles: [commonRole(ctx), efmRepositoryRole(ctx, options.token)] }];
  const pgRoles = [efmCloneRole(ctx), postgresRole(pgCtx), efmPostgresRole(ctx)];
  postgresLevels(cluster, ctx.live).forEach((hosts, n) => {
    const name = n === 0 ? 'primary' : n === 1 ? 'replicas' : `cascaded replicas (level ${n})`;
    stages.push({ name, hosts, roles: pgRoles, dependsOn: upstreamOf });
  });
  if (options.restartOrder.length > 0) {
    stages.push({ name: 'restart', hosts: [...options.restartOrder], roles: [postgresRestartRole(cluster, primary)], serial: true });
  }
  const with_ = (pred: (i: (typeof byNode)[number]) => boolean) => byNode.filter(pred).map((i) => i.name);
  const barman = with_((i) => hasRole(i, 'barman'));
  if (barman.length > 0) stages.push({ name: 'barman', hosts: barman, roles: [barmanRole(ctx)], dependsOn: [primary] });
  const pgbouncer = with_((i) => hasRole(i, 'pgbouncer'));
  if (pgbouncer.length > 0) stages.push({ name: 'pgbouncer', hosts: pgbouncer, roles: [pgbouncerRole(ctx)], dependsOn: [primary] });
  const agents = efmNodeInstances(cluster).map((i) => i.name);
  if (agents.length > 0) stages.push({ name: 'efm', hosts: agents, roles: [efmAgentRole(ctx)], dependsOn: [primary] });
  return stages;
}

/** The EFM deploy playbook (stores the efm user's password on a first deploy). */
export async function efmPlaybook(ctx: DeployContext, options: EfmPlaybookOptions): Promise<Playbook> {
  return { name: 'deploy', stages: efmStages(await ensureEfmSecrets(ctx), options) };
}
