/**
 * pg_hba.conf lines for EFM (reference 4.4): every EFM agent, the witness
 * included, connects to every database as the efm user. The postgres role
 * places them among its per-host lines.
 */
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { efmNodeInstances } from './nodes.js';

const METHODS = ['md5', 'scram-sha-256'] as const;
export type EfmPasswordEncryption = (typeof METHODS)[number];

/** efm_user_password_encryption: md5 (TPA's default in the reference) or scram-sha-256. */
export function efmUserPasswordEncryption(cluster: Cluster): EfmPasswordEncryption {
  const v = cluster.clusterVars['efm_user_password_encryption'];
  if (v === undefined || v === null) return 'md5';
  if (typeof v === 'string' && (METHODS as readonly string[]).includes(v)) return v as EfmPasswordEncryption;
  throw new ConfigError([
    {
      file: join(cluster.dir, 'config.yml'),
      path: 'cluster_vars.efm_user_password_encryption',
      message: `expected md5 or scram-sha-256, got ${JSON.stringify(v)}`,
    },
  ]);
}

/** `host all efm <ip>/32 <method>` for one EFM agent (pg_hba needs an address, even with efm_bind_by_hostname). */
export function efmHbaLine(cluster: Cluster, instance: Instance): string | undefined {
  if (!instance.ipAddress) return undefined;
  return `host all efm ${instance.ipAddress}/32 ${efmUserPasswordEncryption(cluster)}`;
}

/** Every EFM agent's line, each after a `# <name>` comment, in node order. */
export function efmHbaLines(cluster: Cluster): string[] {
  return efmNodeInstances(cluster).flatMap((i) => {
    const line = efmHbaLine(cluster, i);
    return line ? [`# ${i.name}`, line] : [];
  });
}
