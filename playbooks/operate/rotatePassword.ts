/**
 * `m1 rotate-password <cluster-dir> <user>` as a library call: a new
 * generated password for one user, everywhere it is used. The cluster must
 * be healthy (else exit 3, nothing changed); then the new password replaces
 * the stored one (atomically) and deploy converges the hosts to it, as to any
 * other change: ALTER ROLE on the primary (the stored verifier no longer
 * matches), the .pgpass files, PgBouncer's userlist.txt, Patroni's and EFM's
 * configuration, etcd's patroni user. The stored password is the only truth, so a rotation cut
 * short is finished by the next `m1 deploy`. Neither password is printed.
 */
import { loadCluster } from '../../src/config/load.js';
import { RefusedError, UsageError } from '../../src/errors.js';
import { replaceSecret, secretsDir } from '../../src/secrets/index.js';
import { storedPasswordUsers } from '../../src/secrets/showPassword.js';
import { ETCD_ROOT_SECRET } from '../../src/products/etcd/auth.js';
import { openCluster } from './cluster.js';
import { gatherSnapshot } from './status.js';
import { deployCluster, type DeployOptions, type DeployOutcome } from '../deploy/deploy.js';

export async function rotatePassword(dir: string, user: string, options: Omit<DeployOptions, 'check'> = {}): Promise<DeployOutcome> {
  const write = options.write ?? (() => undefined);
  const { cluster } = await loadCluster(dir);
  if (user === ETCD_ROOT_SECRET) {
    // Changing it needs the old one (etcd checks it), which rotation replaces before deploy runs.
    throw new UsageError(`rotate-password ${user}: etcd's root password is not rotated by m1 (etcd_patroni is, as every other password)`);
  }
  const users = await storedPasswordUsers(cluster.dir);
  if (!users.includes(user)) {
    throw new UsageError(`rotate-password ${user}: no password stored for ${user} in ${secretsDir(cluster.dir)} (known: ${users.join(', ') || `none; run \`m1 deploy ${dir}\` first`})`);
  }
  const oc = await openCluster(dir);
  try {
    const before = await gatherSnapshot(oc, { routes: false });
    if (!before.status.healthy) {
      throw new RefusedError(`rotate-password ${user} on ${cluster.name}: the cluster is not healthy, nothing changed:\n  ${before.status.problems.join('\n  ')}`);
    }
  } finally {
    await oc.close();
  }
  await replaceSecret(cluster.dir, user);
  write(`rotate-password: a new password for ${user} is stored in ${secretsDir(cluster.dir)}; deploying it\n`);
  return deployCluster(dir, options);
}
