/** EDB Failover Manager's view: `efm cluster-status-json <cluster>` as the efm user. */
import { quote } from '../../engine/index.js';
import { parseClusterStatusJson, type EfmClusterStatus } from '../../products/efm/commands/clusterStatus.js';
import type { Fact } from '../fact.js';
import { capturedLine, parseCapturedAnswer } from '../protocol.js';

/** EFM's view; undefined, with the reason as a problem, when the agent did not give it. */
export function efmClusterStatus(efmBin: string, cluster: string): Fact<EfmClusterStatus | undefined> {
  return {
    key: 'efm',
    read: { shell: capturedLine('efm', `runuser -u efm -- ${quote(efmBin)} cluster-status-json ${quote(cluster)}`), waitsOnOthers: 'efm cluster-status-json' },
    parse: (lines, problem) => parseCapturedAnswer(lines[0], problem, (code) => `efm cluster-status-json exited ${code}`, parseClusterStatusJson),
  };
}
