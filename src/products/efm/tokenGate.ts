/**
 * EFM's packages come only from EDB's repositories, which need a
 * subscription token. The token lives in the environment
 * (EDB_SUBSCRIPTION_TOKEN) and nowhere else: not in config.yml, output,
 * logs or run records. Deploy asks this gate before it connects to any host.
 */
import { inspect } from 'node:util';
import { UsageError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { efmSkipPlan } from './skipPackages.js';

export const TOKEN_VARIABLE = 'EDB_SUBSCRIPTION_TOKEN';

const REDACTED = '[redacted]';

/**
 * The token, wrapped so that printing, logging or serialising it shows
 * "[redacted]". Only `reveal()` gives the value, for the one place that
 * hands it to the package manager.
 */
export class SubscriptionToken {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `SubscriptionToken(${REDACTED})`;
  }
}

export type TokenDecision =
  | { needed: false; reason: string }
  | { needed: true; reason: string; token: SubscriptionToken };

/**
 * Whether deploy of an EFM cluster may go on. The token is needed when EFM
 * packages will be installed: `--skip-packages efm` was not given. Needed and
 * missing (or blank): UsageError (exit 2), one line.
 */
export function efmTokenGate(
  cluster: Cluster,
  env: Readonly<Record<string, string | undefined>>,
  skipPackages: Iterable<string> = [],
): TokenDecision {
  if (efmSkipPlan(cluster, skipPackages).skipped) {
    return { needed: false, reason: 'EFM packages are skipped (--skip-packages efm)' };
  }
  const value = env[TOKEN_VARIABLE]?.trim();
  if (!value) {
    throw new UsageError(
      `${cluster.name} uses EFM, whose packages come from EDB's repositories: set ${TOKEN_VARIABLE} to your EDB subscription token in the environment (or deploy with --skip-packages efm to leave EFM out)`,
    );
  }
  return { needed: true, reason: 'EFM packages come from EDB repositories', token: new SubscriptionToken(value) };
}
