/** EDB Failover Manager's view: `efm cluster-status-json <cluster>` as the efm user. */
import { quote } from '../../engine/index.js';
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured, type Captured } from '../protocol.js';

export function efmClusterStatus(efmBin: string, cluster: string): Fact<Captured | undefined> {
  return {
    key: 'efm',
    read: { shell: capturedLine('efm', `runuser -u efm -- ${quote(efmBin)} cluster-status-json ${quote(cluster)}`) },
    parse: (lines) => (lines[0] ? parseCaptured(lines[0].value) : undefined),
  };
}
