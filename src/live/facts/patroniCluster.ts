/**
 * Patroni's view of its cluster from the local REST API: GET /cluster (the
 * members as the DCS holds them: what `patronictl list` shows, without its
 * 1-2.5 s of Python) and GET /patroni (this member's own state, current: a
 * demoted leader stays "stopped" in the DCS for up to a loop_wait after it
 * runs again). Patroni listens on 0.0.0.0, so the member asks itself on
 * 127.0.0.1.
 */
import { parseClusterJson, parseSelfJson, type PatroniClusterStatus, type PatroniSelfStatus } from '../../products/patroni/clusterStatus.js';
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured, parseCapturedAnswer } from '../protocol.js';

const curl = (port: number, path: string) => `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${port}${path}`;

/** The DCS's members; undefined, with the reason as a problem, when the API did not answer with them. */
export function patroniCluster(restPort: number): Fact<PatroniClusterStatus | undefined> {
  return {
    key: 'patroni',
    read: { shell: capturedLine('patroni', curl(restPort, '/cluster')), waitsOnOthers: 'Patroni GET /cluster' },
    parse: (lines, problem) => parseCapturedAnswer(lines[0], problem, (code) => `Patroni GET /cluster failed (curl exit ${code})`, parseClusterJson),
  };
}

/** This member's own state; undefined when its API did not answer (GET /cluster's problem already says why). */
export function patroniSelf(restPort: number): Fact<PatroniSelfStatus | undefined> {
  return {
    key: 'patroniself',
    read: { shell: capturedLine('patroniself', curl(restPort, '/patroni')), waitsOnOthers: 'Patroni GET /patroni' },
    parse: (lines) => {
      const c = lines[0] ? parseCaptured(lines[0].value) : undefined;
      return c?.code === 0 ? parseSelfJson(c.text) : undefined;
    },
  };
}
