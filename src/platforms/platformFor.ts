/**
 * The platform of a cluster, by config.yml's platform.
 */
import type { Cluster } from '../inventory/cluster.js';
import { awsPlatform } from './aws/awsPlatform.js';
import { barePlatform } from './bare/barePlatform.js';
import { dockerPlatform } from './docker/dockerPlatform.js';
import type { Platform } from './platform.js';

const PLATFORMS: Record<Cluster['platform'], Platform> = { docker: dockerPlatform, bare: barePlatform, aws: awsPlatform };

export function platformFor(cluster: Pick<Cluster, 'platform' | 'name'>): Platform {
  return PLATFORMS[cluster.platform];
}
