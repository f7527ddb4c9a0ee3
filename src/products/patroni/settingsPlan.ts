/**
 * Changing Postgres settings once Patroni runs: always through Patroni,
 * never behind its back (reference 4.7, 5.3).
 *
 * 1. GET /config on the leader; dcsConfigPatch against the desired dynamic
 *    config; nothing to do when it is undefined.
 * 2. PATCH /config with the difference (Patroni reloads Postgres on every
 *    member by itself; reload-only settings are then in effect).
 * 3. If a changed setting may need a restart: poll GET /cluster until every
 *    member shows pending_restart (bounded; Patroni notices a DCS change
 *    within loop_wait).
 * 4. Restart the flagged members one at a time with POST /restart
 *    {restart_pending: true}, in pendingRestartOrder (replicas before the
 *    leader; the leader first when a hot-standby minimum is lowered), each
 *    back to healthy before the next.
 */
import { HostError } from '../../errors.js';
import type { Cluster, PostgresVersion } from '../../inventory/cluster.js';
import { pendingRestartOrder, type PatroniClusterStatus } from './clusterStatus.js';
import { dcsConfigPatch } from './dcsPatch.js';
import type { JsonObject } from './json.js';
import { patroniMembers } from './members.js';
import {
  classifyParameterChanges,
  parameterChanges,
  type ChangeClassification,
  type ParameterChange,
  type PgContext,
} from './parameterChanges.js';
import { PatroniPlanRefused, type PatroniStage } from './bootstrapPlan.js';
import { clusterRequest, configPatchRequest, healthRequest, restartRequest } from './restRequests.js';
import { patroniLocalApi, type PatroniApi } from './api.js';
import type { RestRequest } from './curlCommand.js';
import { isObject } from './json.js';

export interface DcsSync {
  /** PATCH /config body; undefined when the DCS already matches. */
  patch?: JsonObject;
  changes: ParameterChange[];
  classification: ChangeClassification;
}

function params(config: JsonObject): JsonObject | undefined {
  const pg = config.postgresql;
  return isObject(pg) && isObject(pg.parameters) ? pg.parameters : undefined;
}

/** Step 1's decision: what to PATCH and what the parameter changes mean. Refuses an unorderable restart. */
export function dcsSync(
  current: JsonObject,
  desired: JsonObject,
  version: PostgresVersion,
  live?: ReadonlyMap<string, PgContext>,
): DcsSync {
  const patch = dcsConfigPatch(current, desired);
  const changes = parameterChanges(params(current), params(desired));
  const classification = classifyParameterChanges(changes, version, live);
  if (classification.order === 'conflict') {
    throw new PatroniPlanRefused(
      `config.yml raises ${classification.raised.join(', ')} and lowers ${classification.lowered.join(', ')}: ` +
        'replicas need these at least as high as the primary, so no restart order works; change them in two deploys (raise first, then lower)',
    );
  }
  return { ...(patch ? { patch } : {}), changes, classification };
}

/** A PATCH step and, when a restart may be needed, the wait for pending_restart flags. */
export type SettingsStep =
  | { kind: 'rest'; host: string; api: PatroniApi; request: RestRequest; expect: number[]; why: string }
  /** Poll GET /cluster until all `members` show pending_restart or timeoutMs passes (then go on with those flagged). */
  | { kind: 'wait-pending-restart'; host: string; api: PatroniApi; request: RestRequest; members: string[]; timeoutMs: number; intervalMs: number; why: string };

export function settingsSteps(
  cluster: Cluster,
  leader: string,
  sync: DcsSync,
  opts: { pendingTimeoutMs?: number; intervalMs?: number } = {},
): SettingsStep[] {
  if (!sync.patch) return [];
  const inst = patroniMembers(cluster).find((m) => m.name === leader);
  if (!inst) throw new HostError(`${leader}: not a Patroni member of ${cluster.name}`);
  const api = patroniLocalApi(cluster, inst);
  const steps: SettingsStep[] = [
    { kind: 'rest', host: leader, api, request: configPatchRequest(sync.patch), expect: [200], why: 'apply config.yml to the DCS configuration' },
  ];
  if (sync.classification.mayNeedRestart) {
    steps.push({
      kind: 'wait-pending-restart',
      host: leader,
      api,
      request: clusterRequest(),
      members: patroniMembers(cluster).map((m) => m.name),
      // Patroni applies a DCS change within loop_wait (10 s) on every member.
      timeoutMs: opts.pendingTimeoutMs ?? 30_000,
      intervalMs: opts.intervalMs ?? 1000,
      why: `${sync.classification.restart.join(', ')} may need a restart`,
    });
  }
  return steps;
}

/** Step 4: one stage per flagged member, in order, each restarted then waited for. */
export function pendingRestartStages(
  cluster: Cluster,
  status: PatroniClusterStatus,
  classification: ChangeClassification,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): PatroniStage[] {
  const order = pendingRestartOrder(status, classification.order);
  return order.map((name) => {
    const inst = patroniMembers(cluster).find((m) => m.name === name);
    if (!inst) throw new HostError(`${name}: Patroni reports a member config.yml does not name`);
    const api = patroniLocalApi(cluster, inst);
    return {
      title: `restart Postgres on ${name} through Patroni`,
      steps: [
        { kind: 'rest', host: name, api, request: restartRequest({ pending: true }), expect: [200], why: 'a changed setting needs a restart' },
        {
          kind: 'wait-rest',
          host: name,
          api,
          request: healthRequest(),
          expect: 200,
          timeoutMs: opts.timeoutMs ?? 120_000,
          intervalMs: opts.intervalMs ?? 1000,
          why: `${name} runs again before the next member restarts`,
        },
      ],
    };
  });
}
