/**
 * `barman check` that leaves a record of its pass on the Barman host: the
 * record goes before the check runs and comes back only when it passed, so a
 * failed (or interrupted) check is never taken for a passed one. Bookkeeping
 * of the check itself, done in the same command: it is no change to report.
 */
import { quote } from '../../engine/shell/quote.js';

/** `when`: what the record says about the pass (deploy's, or m1 backup's after its backup). */
export function checkRecordingPass(check: string, recordPath: string, when = 'at the end of an m1 deploy'): string {
  const dir = recordPath.slice(0, recordPath.lastIndexOf('/')) || '/';
  return `rm -f ${quote(recordPath)} && ${check} && mkdir -p ${quote(dir)} && echo ${quote(`barman check passed ${when}`)} > ${quote(recordPath)}`;
}
