/** The passwords Patroni's configuration holds, from the deploy context (registered secrets). */
import type { DeployContext } from '../context.js';
import { passwordOf } from '../context.js';
import type { PatroniSecrets } from '../../src/products/patroni/localConfig.js';
import { ETCD_PATRONI_SECRET } from '../../src/products/etcd/auth.js';

/** The secret (cluster-dir/secrets/<user>) holding the REST API password. */
export const PATRONI_REST_SECRET = 'patroni';

export function patroniSecrets(ctx: DeployContext): PatroniSecrets {
  return {
    superuser: passwordOf(ctx, 'postgres'),
    replication: passwordOf(ctx, 'replication'),
    restApi: passwordOf(ctx, PATRONI_REST_SECRET),
    etcd: passwordOf(ctx, ETCD_PATRONI_SECRET),
  };
}
