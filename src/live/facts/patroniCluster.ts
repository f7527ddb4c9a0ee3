/**
 * Patroni's view of its cluster from the local REST API: GET /cluster (the
 * members as the DCS holds them: what `patronictl list` shows, without its
 * 1-2.5 s of Python) and GET /patroni (this member's own state, current: a
 * demoted leader stays "stopped" in the DCS for up to a loop_wait after it
 * runs again). Patroni listens on 0.0.0.0, so the member asks itself on
 * 127.0.0.1, over TLS under its own name (the name its certificate carries),
 * verified against the cluster CA.
 */
import { parseClusterJson, parseSelfJson, type PatroniClusterStatus, type PatroniSelfStatus } from '../../products/patroni/clusterStatus.js';
import { curlTlsArgs, localApi } from '../../products/patroni/api.js';
import { argv } from '../../engine/shell/quote.js';
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured, parseCapturedAnswer } from '../protocol.js';

/** The member's own API: its name (in its certificate) and REST port. */
export interface PatroniSelfApi {
  name: string;
  port: number;
}

const curl = (at: PatroniSelfApi, path: string) => {
  const api = localApi(at.name, at.port);
  return argv('curl', '-sS', '--noproxy', '*', '--max-time', '5', ...curlTlsArgs(api), `${api.url}${path}`);
};

/** The DCS's members; undefined, with the reason as a problem, when the API did not answer with them. */
export function patroniCluster(at: PatroniSelfApi): Fact<PatroniClusterStatus | undefined> {
  return {
    key: 'patroni',
    read: { shell: capturedLine('patroni', curl(at, '/cluster')), waitsOnOthers: 'Patroni GET /cluster' },
    parse: (lines, problem) => parseCapturedAnswer(lines[0], problem, (code) => `Patroni GET /cluster failed (curl exit ${code})`, parseClusterJson),
  };
}

/** This member's own state; undefined when its API did not answer (GET /cluster's problem already says why). */
export function patroniSelf(at: PatroniSelfApi): Fact<PatroniSelfStatus | undefined> {
  return {
    key: 'patroniself',
    read: { shell: capturedLine('patroniself', curl(at, '/patroni')), waitsOnOthers: 'Patroni GET /patroni' },
    parse: (lines) => {
      const c = lines[0] ? parseCaptured(lines[0].value) : undefined;
      return c?.code === 0 ? parseSelfJson(c.text) : undefined;
    },
  };
}
