/**
 * The Patroni roles of a deploy, as engine roles (the logic of
 * bootstrapPlan.ts and settingsPlan.ts, per host):
 *
 * `patroniRole` on each data node, after the postgres role:
 * - patroni.yml (secret: never in a diff) and the on_role_change callback;
 *   a change reloads a running Patroni (SIGHUP);
 * - the package's generic patroni.service disabled, patroni@<cluster> enabled;
 * - the DCS holds no cluster yet (first deploy): only the primary starts
 *   Patroni, which adopts the running Postgres (leader lock, no promotion,
 *   same timeline); once GET /primary answers 200 a POST /restart hands
 *   Postgres over from the `postgres` unit to Patroni, and the unit is
 *   disabled;
 * - the cluster exists: a stopped member leaves the `postgres` unit and its
 *   Patroni is started (a replica cloned by the postgres role comes up
 *   streaming); nothing ever moves the leader.
 *
 * `patroniSettingsRole` on the leader, after every member runs: GET /config,
 * PATCH the difference from config.yml, and restart the members Patroni
 * flags pending_restart through the REST API, one at a time (replicas before
 * the leader; the leader first when a hot-standby minimum is lowered).
 */
import { HostError, RefusedError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { PATRONI_REST_SECRET, patroniSecrets } from './secrets.js';
import { command, defineFact, defineRole, directory, file, flushHandlers, packages, reload, service, stderrTail, waitUntil, type Role } from '../../src/engine/index.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveRole } from '../../src/inventory/liveTopology.js';
import { parsePatroniFacts, patroniFactsCommand, PatroniPlanRefused } from '../../src/products/patroni/bootstrapPlan.js';
import { allPendingRestart, parsePatronictlList, pendingRestartOrder, type PatroniClusterStatus } from '../../src/products/patroni/clusterStatus.js';
import { patroniDynamicConfig } from '../../src/products/patroni/dynamicConfig.js';
import { patroniDirs, patroniFiles } from '../../src/products/patroni/files.js';
import { isObject, type JsonObject } from '../../src/products/patroni/json.js';
import { patroniMembers } from '../../src/products/patroni/members.js';
import { patronictlListCommand } from '../../src/products/patroni/patronictl.js';
import { configPatchRequest, restartRequest } from '../../src/products/patroni/restRequests.js';
import { parseRestGet, poll, restCall, restGetCommand, restOkCommand } from './restOps.js';
import { PATRONI_PACKAGES, PATRONI_GENERIC_SERVICE, POSTGRES_SERVICE, patroniRestPort, patroniServiceName } from '../../src/products/patroni/settings.js';
import { patroniApi, patroniLocalApi } from '../../src/products/patroni/api.js';
import { PAUSE_MARKER, liveLocalApi, pauseRequest, reportsPaused } from '../../src/products/patroni/pause.js';
import { mustRestartForEtcd } from './pause.js';
import { patroniCluster } from '../../src/live/facts/patroniCluster.js';
import { buildReadingCommand, parseReading, readingFact } from '../../src/live/reading.js';
import { dcsSync } from '../../src/products/patroni/settingsPlan.js';

/** Bounds: the first leader appearing, a member running after a (re)start, a restart through Patroni. */
export const LEADER_TIMEOUT_MS = 60_000;
export const MEMBER_TIMEOUT_MS = 300_000;
export const RESTART_TIMEOUT_MS = 120_000;
/** Patroni notices a DCS change within loop_wait (10 s); then flags pending_restart. */
export const PENDING_TIMEOUT_MS = 30_000;
/** Patroni handles SIGHUP in its main loop: the reloaded API answers within a second or two. */
export const RELOAD_TIMEOUT_MS = 30_000;

const octal = (mode: number) => `0${mode.toString(8)}`;

/** The DCS' view before this member's Patroni runs: patronictl reads etcd directly. */
function dcsFact(cluster: DeployContext['cluster'], check: boolean) {
  return defineFact<PatroniClusterStatus | undefined>(`patroni-cluster-dcs`, patronictlListCommand(cluster), (r) => {
    if (r.code !== 0) {
      if (check) return undefined;
      throw new HostError(`patronictl list failed (is etcd healthy?): ${stderrTail(r, 2)}`);
    }
    const text = r.stdout.trim();
    return text === '' ? { members: [], paused: false } : parsePatronictlList(text);
  });
}

export function patroniRole(ctx: DeployContext): Role {
  return defineRole('patroni', async function* (h) {
    const cluster = ctx.cluster;
    const inst = instanceByName(cluster, h.host)!;
    const svc = patroniServiceName(cluster);
    const api = patroniLocalApi(cluster, inst);
    const password = patroniSecrets(ctx).restApi;

    yield packages({ names: PATRONI_PACKAGES, when: !ctx.skipPackages.has('patroni') });
    // Read before the new file is written: a running Patroni whose etcd3 section changes must restart.
    const restartForEtcd = await mustRestartForEtcd(ctx, h);
    yield patroniDirs(cluster, inst).map((d) => directory({ path: d.path, owner: d.owner, group: d.group, mode: octal(d.mode) }));
    let configChanged = false;
    for (const f of patroniFiles({ cluster, instance: inst, secrets: patroniSecrets(ctx) })) {
      const r = (yield file({ path: f.path, content: f.content, owner: f.owner, group: f.group, mode: octal(f.mode), sensitive: f.secret, notify: reload(svc) })) as { status?: string } | undefined;
      if (r?.status === 'changed') configChanged = true;
    }
    yield service({ name: `disable the package's generic ${PATRONI_GENERIC_SERVICE}`, service: PATRONI_GENERIC_SERVICE, enabled: false });

    const facts = await h.fact(defineFact(`patroni-node`, patroniFactsCommand(cluster, h.host), (r) => parsePatroniFacts(h.host, r.stdout, configChanged)));
    const handOver = () => [
      restCall({
        name: `hand Postgres over to Patroni (POST /restart: the postgres unit's server stops, Patroni's starts)`,
        api,
        request: restartRequest({ timeoutSeconds: RESTART_TIMEOUT_MS / 1000 }),
        password,
        expect: [200],
      }),
    ];
    const leaveUnit = service({ name: `disable the ${POSTGRES_SERVICE} unit (only Patroni starts Postgres)`, service: POSTGRES_SERVICE, enabled: false });

    if (facts.patroniActive && restartForEtcd) {
      // The 'patroni pause' stage paused the cluster: stopped, this Patroni leaves Postgres running.
      const before = await h.fact(defineFact('patroni-self-restart', restGetCommand(liveLocalApi(cluster, inst, restartForEtcd), '/patroni'), (r) => parseRestGet(r)));
      if (!h.check && !(before.status === 200 && reportsPaused(before.body))) {
        throw new RefusedError(`${h.host}: Patroni must restart to take its new etcd settings, and it does not run paused (a stop would stop Postgres); deploy again`);
      }
      yield service({ name: `restart ${svc} with its new etcd settings (paused: Postgres keeps running)`, service: svc, state: 'restarted' });
      const leads = effectiveRole(cluster, ctx.live, h.host) === 'primary';
      yield waitUntil({
        name: leads ? `${h.host} holds the leader lock again (GET /primary)` : `${h.host} runs under Patroni again (GET /health)`,
        cmd: restOkCommand(api, leads ? '/primary' : '/health'),
        timeoutMs: leads ? LEADER_TIMEOUT_MS : MEMBER_TIMEOUT_MS,
        intervalMs: 1000,
      });
      if (facts.postgresUnitActive) yield handOver();
      yield leaveUnit;
      return;
    }

    if (facts.patroniActive) {
      if (configChanged) {
        // Patroni rereads restapi on SIGHUP (TLS included): reload now and wait until the API
        // answers over TLS, which every later call here and in 'patroni settings' speaks.
        yield flushHandlers();
        yield waitUntil({ name: `${h.host}'s Patroni answers over TLS after the reload (GET /patroni)`, cmd: restOkCommand(api, '/patroni'), timeoutMs: RELOAD_TIMEOUT_MS, intervalMs: 500 });
      }
      // Leftover of an interrupted hand-over: Patroni runs, Postgres is still the unit's.
      if (facts.postgresUnitActive) yield handOver();
      yield leaveUnit;
      return;
    }

    const dcs = await h.fact(dcsFact(cluster, h.check));
    const role = effectiveRole(cluster, ctx.live, h.host);
    const primary = effectivePrimary(cluster, ctx.live);
    if (dcs === undefined || (dcs.members.length === 0 && !dcs.leader)) {
      // The cluster's first start: the primary only, adopting its running Postgres.
      if (role !== 'primary') {
        if (h.check) return;
        throw new PatroniPlanRefused(`the DCS holds no Patroni cluster yet and ${primary} (the primary) has not started it; deploy again once ${primary} runs`);
      }
      const others = Object.entries(ctx.hosts).filter(([n, f]) => n !== h.host && f.postgresRunning && f.inRecovery === false && patroniMembers(cluster).some((m) => m.name === n));
      if (others.length > 0) {
        throw new PatroniPlanRefused(`Postgres runs as a primary on ${[h.host, ...others.map(([n]) => n)].join(' and ')}: refusing to start Patroni on two primaries; stop the one that must not lead and deploy again`);
      }
      if (!facts.dataDirInitialised && !h.check) {
        throw new PatroniPlanRefused(`${h.host}: no data in the data directory; the postgres role initialises it before Patroni starts`);
      }
      // A stopped data directory would be started as a standby and promoted (a new timeline): start it first.
      yield service({ name: `start the ${POSTGRES_SERVICE} unit so Patroni adopts a running primary`, service: POSTGRES_SERVICE, state: 'started', when: !facts.postgresRunning });
      yield service({ service: svc, enabled: true, state: 'started' });
      yield waitUntil({ name: `${h.host} holds the leader lock (GET /primary)`, cmd: restOkCommand(api, '/primary'), timeoutMs: LEADER_TIMEOUT_MS, intervalMs: 1000 });
      const after = await h.fact(defineFact(`patroni-node`, patroniFactsCommand(cluster, h.host), (r) => parsePatroniFacts(h.host, r.stdout, configChanged)));
      if (after.postgresUnitActive || h.check) yield handOver();
      yield leaveUnit;
      yield waitUntil({ name: `${h.host} leads with Postgres under Patroni`, cmd: restOkCommand(api, '/primary'), timeoutMs: LEADER_TIMEOUT_MS, intervalMs: 1000 });
      return;
    }

    // The cluster exists: this member joins (or comes back); the leader stays where it is.
    yield service({ name: `stop the ${POSTGRES_SERVICE} unit (Patroni runs this Postgres)`, service: POSTGRES_SERVICE, state: 'stopped', when: facts.postgresUnitActive });
    yield leaveUnit;
    yield service({ service: svc, enabled: true, state: 'started' });
    const known = dcs.members.some((m) => m.name === h.host);
    yield waitUntil({
      name: known ? `${h.host} runs under Patroni (GET /health)` : `${h.host} streams as a replica (GET /replica)`,
      cmd: restOkCommand(api, known ? '/health' : '/replica'),
      timeoutMs: MEMBER_TIMEOUT_MS,
      intervalMs: 1000,
    });
  });
}

/** What a PATCH changes, for the task name: parameter names and other DCS keys. */
function describePatch(sync: ReturnType<typeof dcsSync>): string {
  const parts = sync.changes.map((c) => c.name);
  for (const [k, v] of Object.entries(sync.patch ?? {})) {
    if (k !== 'postgresql') parts.push(k);
    else if (isObject(v)) parts.push(...Object.keys(v).filter((x) => x !== 'parameters').map((x) => `postgresql.${x}`));
  }
  return parts.join(', ') || 'configuration';
}

/** On the leader, once every member runs: the DCS configuration as config.yml says, pending restarts done. */
export function patroniSettingsRole(ctx: DeployContext): Role {
  return defineRole('patroni settings', async function* (h) {
    const cluster = ctx.cluster;
    const inst = instanceByName(cluster, h.host)!;
    const api = patroniLocalApi(cluster, inst);
    const password = patroniSecrets(ctx).restApi;
    if (await h.facts.stat(PAUSE_MARKER)) {
      // Every member runs with its new etcd settings: deploy's own pause ends.
      yield restCall({ name: 'resume Patroni (deploy paused it for the etcd change)', api, request: pauseRequest(false), password, expect: [200] });
      yield command({ name: 'forget the pause', cmd: `rm -f -- ${PAUSE_MARKER}`, removes: PAUSE_MARKER });
    }
    const current = await h.fact(
      defineFact<JsonObject | undefined>('patroni-config', restGetCommand(api, '/config'), (r) => {
        const res = parseRestGet(r);
        if (res.status !== 200) return undefined;
        const doc: unknown = JSON.parse(res.body);
        return isObject(doc) ? doc : undefined;
      }),
    );
    if (current === undefined) {
      if (h.check) return;
      throw new HostError(`GET ${api.url}/config: Patroni does not answer with the DCS configuration`);
    }
    const sync = dcsSync(current, patroniDynamicConfig(cluster), cluster.postgresVersion);
    const members = patroniMembers(cluster).map((m) => m.name);
    // GET /cluster through src/live: the DCS's members as this member's Patroni reports them.
    const dcsReading = { facts: { cluster: patroniCluster({ name: inst.name, port: patroniRestPort(cluster, inst) }) } };
    if (sync.patch) {
      yield restCall({ name: `DCS configuration (${describePatch(sync)})`, api, request: configPatchRequest(sync.patch), password, expect: [200] });
      if (sync.classification.mayNeedRestart) {
        yield poll({
          name: `Patroni flags pending_restart (${sync.classification.restart.join(', ')})`,
          cmd: buildReadingCommand(dcsReading),
          until: (r) => {
            const s = parseReading(dcsReading, r.stdout).facts.cluster;
            return s !== undefined && allPendingRestart(s, members);
          },
          timeoutMs: PENDING_TIMEOUT_MS,
          onTimeout: 'continue',
          explain: (r) => {
            const a = parseReading(dcsReading, r.stdout);
            return a.facts.cluster ? `GET /cluster: pending restart on ${a.facts.cluster.members.filter((m) => m.pendingRestart).map((m) => m.name).join(', ') || 'no member'}` : a.errors.join('; ');
          },
        });
      }
    }
    const status = (await h.fact(readingFact('patroni-cluster', dcsReading))).facts.cluster;
    if (!status) return;
    const order = pendingRestartOrder(status, sync.classification.order === 'conflict' ? 'replicas-first' : sync.classification.order);
    for (const name of order) {
      const member = instanceByName(cluster, name);
      if (!member) throw new HostError(`Patroni reports a member ${name} that config.yml does not name`);
      const mapi = patroniApi(cluster, member);
      yield restCall({
        name: `restart Postgres on ${name} through Patroni (pending restart${name === status.leader ? ', the leader' : ''})`,
        api: mapi,
        request: restartRequest({ pending: true, timeoutSeconds: RESTART_TIMEOUT_MS / 1000 }),
        password,
        expect: [200],
      });
      yield waitUntil({ name: `${name} runs again (GET /health)`, cmd: restOkCommand(mapi, '/health'), timeoutMs: RESTART_TIMEOUT_MS, intervalMs: 1000 });
    }
  });
}

export { PATRONI_REST_SECRET, patroniSecrets };
