/** EDB Failover Manager's view: `efm cluster-status-json <cluster>` as the efm user. */
import { quote } from '../../engine/index.js';
import { lastLines } from '../../engine/text/tail.js';
import { parseClusterStatusJson, type EfmClusterStatus } from '../../products/efm/commands/clusterStatus.js';
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured } from '../protocol.js';

/** EFM's view; undefined, with the reason as a problem, when the agent did not give it. */
export function efmClusterStatus(efmBin: string, cluster: string): Fact<EfmClusterStatus | undefined> {
  return {
    key: 'efm',
    read: { shell: capturedLine('efm', `runuser -u efm -- ${quote(efmBin)} cluster-status-json ${quote(cluster)}`) },
    parse: (lines, problem) => {
      if (!lines[0]) return undefined;
      const c = parseCaptured(lines[0].value);
      if (c.code !== 0) {
        problem(`efm cluster-status-json exited ${c.code}: ${lastLines(c.text, 1)}`);
        return undefined;
      }
      try {
        return parseClusterStatusJson(c.text);
      } catch (e) {
        problem((e as Error).message);
        return undefined;
      }
    },
  };
}
