/**
 * Changing how Patroni reaches etcd without stopping Postgres.
 *
 * Patroni reads its etcd3 section (hosts, protocol, CA) only when it starts:
 * a reload takes the password alone. And a running Patroni that is stopped
 * stops its Postgres, the leader's leader key released: a failover. Except in
 * maintenance mode (`pause` in the DCS configuration): then stopping Patroni
 * leaves Postgres and the leader key alone, a Patroni that loses the DCS
 * demotes nothing, and one that starts adopts the running Postgres (the
 * leader's takes the leader key again if it lapsed). So deploy, when the
 * etcd3 section a running member has differs from the one it must have
 * (e.g. etcd moving from plain HTTP to TLS with users):
 *   1. pauses the cluster through the leader's API (PATCH /config
 *      {"pause": true}) unless it is paused already, and leaves a marker
 *      saying deploy did it; every member must report the pause;
 *   2. changes etcd (the old Patroni may lose it: paused, that harms nothing);
 *   3. writes each member's patroni.yml and restarts its Patroni;
 *   4. resumes (PATCH {"pause": false}) once every member runs, and only if
 *      the marker says deploy paused it: a pause set by a person stays.
 */
import { parseDocument } from 'yaml';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { localApi, type PatroniApi } from './api.js';
import { isObject, jsonEqual, type JsonObject } from './json.js';
import type { RestRequest } from './curlCommand.js';
import { patroniRestPort } from './settings.js';

/** Left on the leader while deploy holds the cluster paused. */
export const PAUSE_MARKER = '/var/lib/m1/patroni/paused-by-deploy';

/** The command that leaves the marker (root only). */
export const PAUSE_MARKER_COMMAND = `install -d -m 0700 /var/lib/m1 /var/lib/m1/patroni && touch ${PAUSE_MARKER}`;

/** What deploy needs of the patroni.yml a member runs with. */
export interface LiveConfig {
  etcd3?: JsonObject;
  /** restapi has a certfile: the API answers over TLS. */
  restTls: boolean;
}

/** Parses a patroni.yml (YAML 1.1, as PyYAML reads it); undefined when it cannot be read. */
export function parseLiveConfig(text: string): LiveConfig | undefined {
  try {
    const doc = parseDocument(text, { version: '1.1' });
    if (doc.errors.length > 0) return undefined;
    const js: unknown = doc.toJS();
    if (!isObject(js)) return undefined;
    const restapi = js.restapi;
    return {
      ...(isObject(js.etcd3) ? { etcd3: js.etcd3 } : {}),
      restTls: isObject(restapi) && typeof restapi.certfile === 'string' && restapi.certfile !== '',
    };
  } catch {
    return undefined;
  }
}

/**
 * The running Patroni must restart to take `want`: its etcd3 section differs
 * in more than the user and password (a reload takes those: Patroni 3.0's
 * etcd client rereads them and authenticates again with them).
 */
export function etcdSettingsDiffer(live: LiveConfig, want: JsonObject): boolean {
  const connection = (s: JsonObject | undefined) => {
    if (s === undefined) return undefined;
    const { username: _u, password: _p, ...rest } = s;
    return rest;
  };
  return !jsonEqual(connection(live.etcd3), connection(want));
}

/** The member's own API as its running configuration serves it: TLS, or plain HTTP on the loopback before the switch. */
export function liveLocalApi(cluster: Cluster, instance: Instance, live: LiveConfig): PatroniApi {
  const port = patroniRestPort(cluster, instance);
  return live.restTls ? localApi(instance.name, port) : { url: `http://127.0.0.1:${port}` };
}

/** PATCH /config {"pause": …}: what `patronictl pause` / `resume` send. */
export function pauseRequest(paused: boolean): RestRequest {
  return { method: 'PATCH', path: '/config', body: { pause: paused }, auth: true, timeoutSeconds: 10 };
}

/** GET /patroni's answer says this member runs paused (Patroni adds "pause": true then). */
export function reportsPaused(body: string): boolean {
  try {
    const doc: unknown = JSON.parse(body);
    return isObject(doc) && doc.pause === true;
  } catch {
    return false;
  }
}
