/**
 * The pause around a change of how Patroni reaches etcd (src/products/patroni/pause.ts):
 * `patroniPauseRole` on the leader and `patroniPausedRole` on every member,
 * before etcd changes; the restart and the resume are in role.ts.
 */
import type { DeployContext } from '../context.js';
import { command, defineFact, defineRole, type HostContext, type Role } from '../../src/engine/index.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { patroniEtcd3 } from '../../src/products/patroni/localConfig.js';
import { PAUSE_MARKER, PAUSE_MARKER_COMMAND, etcdSettingsDiffer, liveLocalApi, parseLiveConfig, pauseRequest, reportsPaused, type LiveConfig } from '../../src/products/patroni/pause.js';
import { patroniConfigPath, patroniServiceName } from '../../src/products/patroni/settings.js';
import { parseRestGet, poll, restCall, restGetCommand } from './restOps.js';
import { patroniSecrets } from './secrets.js';

/** Patroni flags a pause within a loop (loop_wait 10 s; a DCS watch usually wakes it at once). */
export const PAUSE_TIMEOUT_MS = 30_000;

const RUNNING = new Set(['active', 'activating', 'reloading']);

/** The configuration this member's running Patroni was started with, when it runs and must restart to take the new etcd3 section. */
export async function mustRestartForEtcd(ctx: DeployContext, h: HostContext): Promise<LiveConfig | undefined> {
  const cluster = ctx.cluster;
  const [svc, text] = await Promise.all([h.facts.service(patroniServiceName(cluster)), h.facts.content(patroniConfigPath(cluster))]);
  if (!RUNNING.has(svc.activeState) || text === null) return undefined;
  const live = parseLiveConfig(text.toString('utf8'));
  if (!live || !etcdSettingsDiffer(live, patroniEtcd3(cluster, patroniSecrets(ctx).etcd))) return undefined;
  return live;
}

function selfFact(ctx: DeployContext, h: HostContext, live: LiveConfig, key: string) {
  const api = liveLocalApi(ctx.cluster, instanceByName(ctx.cluster, h.host)!, live);
  return { api, def: defineFact(`patroni-self-${key}`, restGetCommand(api, '/patroni'), (r) => parseRestGet(r)) };
}

/** On the leader, before etcd changes: pause the cluster (unless paused already) and remember that deploy did. */
export function patroniPauseRole(ctx: DeployContext): Role {
  return defineRole('patroni pause', async function* (h) {
    const live = await mustRestartForEtcd(ctx, h);
    if (!live) return;
    const { api, def } = selfFact(ctx, h, live, 'pause');
    const self = await h.fact(def);
    if (self.status === 200 && reportsPaused(self.body)) return;
    yield restCall({
      name: 'pause Patroni: its etcd settings change and each Patroni must restart to take them (Postgres keeps running)',
      api,
      request: pauseRequest(true),
      password: patroniSecrets(ctx).restApi,
      expect: [200],
    });
    yield command({ name: 'remember that deploy paused Patroni (resumed at the end)', cmd: PAUSE_MARKER_COMMAND, creates: PAUSE_MARKER });
  });
}

/** On each member that must restart: its Patroni runs paused before etcd changes under it. */
export function patroniPausedRole(ctx: DeployContext): Role {
  return defineRole('patroni paused', async function* (h) {
    const live = await mustRestartForEtcd(ctx, h);
    if (!live) return;
    const { def } = selfFact(ctx, h, live, 'paused');
    yield poll({
      name: `${h.host}'s Patroni runs paused (GET /patroni)`,
      cmd: def.command,
      until: (r) => {
        const res = parseRestGet(r);
        return res.status === 200 && reportsPaused(res.body);
      },
      timeoutMs: PAUSE_TIMEOUT_MS,
      explain: (r) => `GET /patroni answered ${parseRestGet(r).status || 'nothing'}`,
    });
  });
}
