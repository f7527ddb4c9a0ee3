/**
 * The platform of a cluster, by config.yml's platform. aws is refused for now.
 */
import { UsageError } from '../errors.js';
import type { Cluster } from '../inventory/cluster.js';
import { barePlatform } from './bare/barePlatform.js';
import { dockerPlatform } from './docker/dockerPlatform.js';
import type { Platform } from './platform.js';

export function platformFor(cluster: Pick<Cluster, 'platform' | 'name'>): Platform {
  switch (cluster.platform) {
    case 'docker':
      return dockerPlatform;
    case 'bare':
      return barePlatform;
    default:
      throw new UsageError(
        `config.yml: platform ${cluster.platform} is not supported yet (cluster ${cluster.name}); use docker or bare`,
      );
  }
}
