/**
 * The aws platform as the Platform interface: a thin front that loads the
 * AWS SDK (./provision.js) only when an aws cluster is provisioned or
 * deprovisioned, so no other command pays for it.
 */
import type { Platform } from '../platform.js';

const load = () => import('./provision.js');

export const awsPlatform: Platform = {
  name: 'aws',
  provision: async (cluster, opts) => (await load()).provisionAws(cluster, opts),
  deprovisionPlan: async (cluster) => (await load()).deprovisionPlanAws(cluster),
  deprovision: async (cluster, opts) => (await load()).deprovisionAws(cluster, opts),
};
