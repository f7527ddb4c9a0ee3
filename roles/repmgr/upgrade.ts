/**
 * repmgr in m1 upgrade: its packages go with the server's (postgresql-<V>-repmgr
 * is the library the server preloads: a new one needs the restart), and the
 * node's repmgrd is stopped around the restart, as deploy's restart does
 * (left running it marks its node inactive in repmgr.nodes the moment the
 * server goes), then the node's record on the primary must say active again.
 */
import type { MinorUpgrade } from '../failoverManager.js';
import { nodeActiveCommand } from '../../src/products/repmgr/commands.js';
import { REPMGR_SERVICE, repmgrPackages } from '../../src/products/repmgr/layout.js';

export const repmgrMinorUpgrade: MinorUpgrade = {
  packages: (cluster) => repmgrPackages(cluster.postgresVersion),
  stoppedAround: [REPMGR_SERVICE],
  pausesFailover: true,
  restartFor: (cluster) => [`postgresql-${cluster.postgresVersion}-repmgr`],
  rejoined: (cluster, primary, host, waitS) =>
    `i=0; until ${nodeActiveCommand(cluster.postgresVersion, primary, host)}; do i=$((i + 1)); [ "$i" -ge ${waitS} ] && exit 1; sleep 1; done`,
};
