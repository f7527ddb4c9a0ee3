/**
 * The Patroni 3.0 REST endpoints m1 uses (patroni/api.py). Health checks
 * answer 200 or 503 and need no auth; POST/PATCH need basic auth.
 */
import type { RestRequest } from './curlCommand.js';
import type { JsonObject } from './json.js';

/** 200 when Postgres is up (any role). */
export function healthRequest(): RestRequest {
  return { method: 'GET', path: '/health', auth: false, timeoutSeconds: 5 };
}

/** 200 only on the member holding the leader lock and running as primary. */
export function primaryRequest(): RestRequest {
  return { method: 'GET', path: '/primary', auth: false, timeoutSeconds: 5 };
}

/** 200 only on a running replica (not tagged noloadbalance). */
export function replicaRequest(): RestRequest {
  return { method: 'GET', path: '/replica', auth: false, timeoutSeconds: 5 };
}

/** The members, their roles, states and pending_restart flags. */
export function clusterRequest(): RestRequest {
  return { method: 'GET', path: '/cluster', auth: false, timeoutSeconds: 5 };
}

/** The dynamic configuration stored in the DCS (502 when there is none yet). */
export function configGetRequest(): RestRequest {
  return { method: 'GET', path: '/config', auth: false, timeoutSeconds: 5 };
}

/** Merge `patch` into the DCS configuration (null deletes); 409 on a concurrent change. */
export function configPatchRequest(patch: JsonObject): RestRequest {
  return { method: 'PATCH', path: '/config', body: patch, auth: true, timeoutSeconds: 10 };
}

/**
 * Restart Postgres on this member through Patroni; with `pending` only if
 * its pending_restart flag is set (the key's presence is the filter). Waits
 * for the restart: 200 "restarted successfully", 503 on failure or when the
 * condition does not hold.
 */
export function restartRequest(opts: { pending?: boolean; timeoutSeconds?: number } = {}): RestRequest {
  const t = opts.timeoutSeconds ?? 120;
  const body: JsonObject = opts.pending ? { restart_pending: true, timeout: t } : { timeout: t };
  return { method: 'POST', path: '/restart', body, auth: true, timeoutSeconds: t + 10 };
}

/** Immediate switchover from `leader` to `candidate`; Patroni answers once it is done (200) or failed. */
export function switchoverRequest(leader: string, candidate: string): RestRequest {
  return { method: 'POST', path: '/switchover', body: { leader, candidate }, auth: true, timeoutSeconds: 120 };
}

/** Re-read patroni.yml (same as systemctl reload, i.e. SIGHUP). */
export function reloadRequest(): RestRequest {
  return { method: 'POST', path: '/reload', auth: true, timeoutSeconds: 10 };
}
