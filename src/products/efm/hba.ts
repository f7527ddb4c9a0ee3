/**
 * pg_hba.conf lines for EFM (reference 4.4): every EFM agent, the witness
 * included, connects to every database as the efm user. The postgres role
 * places them among its per-host lines.
 */
import { clusterVar } from '../../config/vars.js';
import type { VariableValue } from '../../config/variables.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { efmNodeInstances } from './nodes.js';

export type EfmPasswordEncryption = VariableValue<'efm_user_password_encryption'>;

/** efm_user_password_encryption: md5 (TPA's default in the reference) or scram-sha-256. */
export function efmUserPasswordEncryption(cluster: Cluster): EfmPasswordEncryption {
  return clusterVar(cluster, 'efm_user_password_encryption');
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
