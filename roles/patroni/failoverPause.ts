/**
 * Patroni's pause of automatic failover (m1 pause / resume): PATCH /config
 * {"pause": true|false} on one member's REST API, what `patronictl pause` and
 * `resume` send, with the REST password on curl's stdin. The flag lives in
 * the DCS; every member takes it at its next loop (a DCS watch usually wakes
 * it at once) and then reports "pause": true in GET /patroni. Paused, Patroni
 * neither promotes a replica when the leader key expires nor restarts a
 * stopped Postgres, and a stopped Patroni leaves its Postgres running.
 * Patching the value the DCS already holds changes nothing.
 */
import type { CommandResult } from '../../src/engine/index.js';
import { patroniLocalApi } from '../../src/products/patroni/api.js';
import { curlCommand, parseCurlOutput } from '../../src/products/patroni/curlCommand.js';
import { pauseRequest } from '../../src/products/patroni/pause.js';
import type { FailoverPause } from '../failoverManager.js';
import { PAUSE_TIMEOUT_MS } from './pause.js';
import { PATRONI_REST_SECRET } from './secrets.js';

export const patroniPause: FailoverPause = {
  secret: PATRONI_REST_SECRET,
  command(cluster, host, paused, secret) {
    const request = pauseRequest(paused);
    const spec = curlCommand(patroniLocalApi(cluster, host), request, secret);
    return {
      command: spec.command,
      ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
      timeoutMs: (request.timeoutSeconds + 15) * 1000,
      display: `PATCH /config {"pause": ${paused}} on ${host.name}'s Patroni`,
    };
  },
  failure(r: CommandResult): string | undefined {
    const res = parseCurlOutput(r.stdout);
    if (res.status === 200) return undefined;
    const body = res.body.trim().replace(/\s+/g, ' ').slice(0, 200);
    const err = r.stderr.trim().split('\n').at(-1) ?? '';
    return `HTTP ${res.status || 'no answer'}${body ? `: ${body}` : ''}${res.status === 0 && err ? ` (${err})` : ''}`;
  },
  settleMs: PAUSE_TIMEOUT_MS,
};
