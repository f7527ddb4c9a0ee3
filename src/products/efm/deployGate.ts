/**
 * What `m1 deploy` decides about an EFM cluster before it provisions or
 * connects to any host: the subscription token (efmTokenGate), the address
 * of EDB's repositories when packages will be installed, and the lines that
 * say what --skip-packages efm leaves out.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { EDB_REPOSITORY_URL_VAR, assertTokenShape, edbRepositories, edbRepositoryUrl } from './repository.js';
import { efmSkipPlan } from './skipPackages.js';
import { type SubscriptionToken, TOKEN_VARIABLE, efmTokenGate } from './tokenGate.js';

export interface EfmDeployGate {
  /** Present when EFM's packages will be installed. */
  token?: SubscriptionToken;
  /** Lines deploy prints before it starts (what --skip-packages efm leaves out). */
  report: string[];
}

/** Throws UsageError (exit 2, one line) when the deploy cannot go on; else what it needs. */
export function efmDeployGate(cluster: Cluster, env: Readonly<Record<string, string | undefined>>, skipPackages: Iterable<string>): EfmDeployGate {
  const skip = [...skipPackages];
  const decision = efmTokenGate(cluster, env, skip);
  if (!decision.needed) return { report: efmSkipPlan(cluster, skip).report };
  try {
    assertTokenShape(decision.token.reveal());
  } catch (e) {
    throw new UsageError(`${TOKEN_VARIABLE}: ${e instanceof Error ? e.message : String(e)}; set it to your EDB subscription token`);
  }
  edbRepositories(cluster);
  if (edbRepositoryUrl(cluster) === undefined) {
    throw new UsageError(
      `${join(cluster.dir, 'config.yml')}: cluster_vars.${EDB_REPOSITORY_URL_VAR} is not set; set it to the address of EDB's package repositories (as EDB's documentation for your subscription gives it), or deploy with --skip-packages efm to leave EFM out`,
    );
  }
  return { token: decision.token, report: [] };
}
