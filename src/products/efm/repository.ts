/**
 * EDB's package repositories, which EFM's packages come from (reference 5.2:
 * `edb_repositories` in cluster_vars, the subscription token from the
 * environment). m1 runs the repository's own setup script, as EDB documents,
 * once per repository; the token travels in curl's configuration on stdin,
 * never in argv, a progress line or a log.
 *
 * The repositories' address is `cluster_vars.edb_repository_url` (EDB's
 * documentation gives it); m1 does not carry it.
 */
import { UsageError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { quote } from '../../engine/shell/quote.js';

export const EDB_REPOSITORY_URL_VAR = 'edb_repository_url';

/** cluster_vars.edb_repositories (configure writes [standard]); each a repository name. */
export function edbRepositories(cluster: Cluster): string[] {
  return clusterVar(cluster, 'edb_repositories');
}

/** cluster_vars.edb_repository_url without a trailing slash; undefined when not set. */
export function edbRepositoryUrl(cluster: Cluster): string | undefined {
  return clusterVar(cluster, 'edb_repository_url')?.replace(/\/+$/, '') || undefined;
}

/** A token goes into a URL path and curl's configuration: refuse anything that could break out of either. */
export function assertTokenShape(token: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(token)) throw new UsageError('EDB_SUBSCRIPTION_TOKEN holds characters a subscription token does not (letters, digits, ".", "_", "-")');
}

export interface EdbRepositorySetup {
  /** Progress name (no token). */
  name: string;
  /** Shell command: curl reads its configuration (the URL, with the token) from stdin and the script runs as root. */
  cmd: string;
  /** curl's configuration: holds the token. */
  stdin: string;
  /** Read-only check: exit 0 when the repository is already configured (matches the path after the token). */
  unless: string;
}

/** The setup of one EDB repository on a Debian host. */
export function edbRepositorySetup(baseUrl: string, repository: string, token: string): EdbRepositorySetup {
  assertTokenShape(token);
  const marker = `/${repository}/deb/`;
  return {
    name: `EDB repository ${repository} (setup script; token from ${'EDB_SUBSCRIPTION_TOKEN'})`,
    cmd: `bash -o pipefail -c ${quote('curl -fsSL --proto =https -K - | bash')}`,
    stdin: `url = "${baseUrl}/${token}/${repository}/setup.deb.sh"\n`,
    unless: `grep -rqsF -- ${quote(marker)} /etc/apt/sources.list.d/`,
  };
}
