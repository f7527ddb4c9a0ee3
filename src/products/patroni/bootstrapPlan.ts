/**
 * Starting Patroni on the data nodes, as data: ordered stages of steps,
 * computed from each node's facts and the DCS' view (patronictl list, which
 * reads etcd directly and so works before any Patroni runs). The engine runs
 * stages in order and the steps of one stage concurrently (at most one step
 * list per host), stopping at the first failure.
 *
 * First deploy (no member in the DCS), as TPA (reference 5.3):
 * 1. The primary first. Its Postgres, started by the postgres role's
 *    `postgres` unit, keeps running: Patroni finds a running primary with no
 *    cluster in the DCS, writes the initialize key with its system id and takes
 *    the leader lock without a promotion (same timeline). If Postgres is
 *    stopped it is started first, for the same reason (Patroni would start a
 *    stopped data dir as a standby and promote it: a new timeline).
 * 2. Wait until GET /primary answers 200 there: it holds the leader lock.
 * 3. Hand-over: POST /restart makes Patroni restart Postgres as its own child
 *    (the `postgres` unit goes inactive when its postmaster exits), then the
 *    `postgres` unit is disabled so a reboot starts Postgres only through Patroni.
 * 4. Replicas after, together: their `postgres` unit is stopped and disabled,
 *    then Patroni starts; it finds a leader, starts the replica under its own
 *    control (or clones it with pg_basebackup when the data dir is empty).
 *    Replicas must never start before the leader exists: a replica's Patroni
 *    facing an empty DCS could race for the initialize key and promote itself.
 * 5. Wait until GET /replica answers 200 on each.
 *
 * Redeploys: members whose Patroni is stopped are started (never in a way
 * that moves the leader), changed patroni.yml files are reloaded (SIGHUP),
 * and nothing else happens: the live leader stays the leader.
 */
import { HostError, RefusedError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import type { PatroniClusterStatus } from './clusterStatus.js';
import type { RestRequest } from './curlCommand.js';
import { patroniMembers } from './members.js';
import { patroniLocalApi, type PatroniApi } from './api.js';
import { clusterRequest, primaryRequest, replicaRequest, restartRequest } from './restRequests.js';
import {
  PATRONI_GENERIC_SERVICE,
  POSTGRES_SERVICE,
  patroniServiceName,
  postgresNode,
} from './settings.js';

/** What the engine learned about one data node (see patroniFactsCommand). */
export interface PatroniNodeFacts {
  name: string;
  /** patroni@<cluster> is active. */
  patroniActive: boolean;
  patroniEnabled: boolean;
  /** The package's generic patroni.service is enabled (m1 disables it). */
  genericUnitEnabled: boolean;
  /** The postgres role's `postgres` unit is active: Postgres runs outside Patroni. */
  postgresUnitActive: boolean;
  postgresUnitEnabled: boolean;
  /** A postmaster runs on the data dir. */
  postgresRunning: boolean;
  /** pg_is_in_recovery() when running. */
  inRecovery?: boolean;
  /** PG_VERSION exists in the data dir. */
  dataDirInitialised: boolean;
  /** patroni.yml was written (changed) earlier in this run. */
  configChanged: boolean;
}

export type PatroniStep =
  | { kind: 'run'; host: string; command: string; why: string }
  /** One REST call from the host to its own Patroni (`api`); fails unless the status is in `expect`. */
  | { kind: 'rest'; host: string; api: PatroniApi; request: RestRequest; expect: number[]; why: string }
  /** Repeat a REST call every intervalMs until it answers `expect`; fail after timeoutMs. */
  | { kind: 'wait-rest'; host: string; api: PatroniApi; request: RestRequest; expect: number; timeoutMs: number; intervalMs: number; why: string }
  /** Repeat GET /cluster until it names a leader (any); fail after timeoutMs. */
  | { kind: 'wait-leader'; host: string; api: PatroniApi; request: RestRequest; timeoutMs: number; intervalMs: number; why: string };

export interface PatroniStage {
  title: string;
  steps: PatroniStep[];
}

export interface PatroniPlanOptions {
  /** Bound for the first leader to appear. Default 60 s. */
  leaderTimeoutMs?: number;
  /** Bound for a replica to run (includes pg_basebackup of an empty data dir). Default 300 s. */
  replicaTimeoutMs?: number;
  intervalMs?: number;
}

/** Refusals carry the reason and the fix; nothing has been done when one is thrown. */
export class PatroniPlanRefused extends RefusedError {}

/**
 * One command printing the facts as key=value lines: patroni, patroni_enabled,
 * generic_enabled, postgres_unit, postgres_enabled (systemctl words),
 * pg_running=0|1, in_recovery=t|f|'' and pgdata=0|1.
 */
export function patroniFactsCommand(cluster: Cluster, name: string): string {
  const inst = cluster.instances.find((i) => i.name === name);
  if (!inst) throw new Error(`no instance named ${name}`);
  const pg = postgresNode(cluster, inst);
  const svc = patroniServiceName(cluster);
  const pid = `${pg.dataDir}/postmaster.pid`;
  const psql = `runuser -u ${quote(pg.user)} -- ${quote(`${pg.binDir}/psql`)} -h ${quote(pg.socketDir)} -p ${pg.port} -AtX -d postgres -c 'SELECT pg_is_in_recovery()'`;
  return [
    `printf 'patroni=%s\\n' "$(systemctl is-active ${quote(svc)} 2>/dev/null)"`,
    `printf 'patroni_enabled=%s\\n' "$(systemctl is-enabled ${quote(svc)} 2>/dev/null)"`,
    `printf 'generic_enabled=%s\\n' "$(systemctl is-enabled ${PATRONI_GENERIC_SERVICE} 2>/dev/null)"`,
    `printf 'postgres_unit=%s\\n' "$(systemctl is-active ${POSTGRES_SERVICE} 2>/dev/null)"`,
    `printf 'postgres_enabled=%s\\n' "$(systemctl is-enabled ${POSTGRES_SERVICE} 2>/dev/null)"`,
    `if test -f ${quote(pid)} && kill -0 "$(head -n 1 ${quote(pid)})" 2>/dev/null; then echo pg_running=1; printf 'in_recovery=%s\\n' "$(${psql} 2>/dev/null)"; else echo pg_running=0; echo in_recovery=; fi`,
    `if test -f ${quote(`${pg.dataDir}/PG_VERSION`)}; then echo pgdata=1; else echo pgdata=0; fi`,
  ].join('; ');
}

export function parsePatroniFacts(name: string, stdout: string, configChanged: boolean): PatroniNodeFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  for (const k of ['patroni', 'patroni_enabled', 'generic_enabled', 'postgres_unit', 'postgres_enabled', 'pg_running', 'pgdata']) {
    if (!kv.has(k)) throw new HostError(`${name}: Patroni facts incomplete (no ${k}): ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  const active = (v?: string) => v === 'active' || v === 'activating' || v === 'reloading';
  const enabled = (v?: string) => v === 'enabled' || v === 'enabled-runtime' || v === 'alias';
  const facts: PatroniNodeFacts = {
    name,
    patroniActive: active(kv.get('patroni')),
    patroniEnabled: enabled(kv.get('patroni_enabled')),
    genericUnitEnabled: enabled(kv.get('generic_enabled')),
    postgresUnitActive: active(kv.get('postgres_unit')),
    postgresUnitEnabled: enabled(kv.get('postgres_enabled')),
    postgresRunning: kv.get('pg_running') === '1',
    dataDirInitialised: kv.get('pgdata') === '1',
    configChanged,
  };
  const rec = kv.get('in_recovery');
  if (rec === 't') facts.inRecovery = true;
  if (rec === 'f') facts.inRecovery = false;
  return facts;
}

export function patroniBootstrapPlan(
  cluster: Cluster,
  facts: readonly PatroniNodeFacts[],
  dcs: PatroniClusterStatus,
  opts: PatroniPlanOptions = {},
): PatroniStage[] {
  const members = patroniMembers(cluster);
  const svc = patroniServiceName(cluster);
  const interval = opts.intervalMs ?? 1000;
  const apiOf = (name: string) => patroniLocalApi(cluster, members.find((m) => m.name === name)!);
  const factsOf = (name: string): PatroniNodeFacts => {
    const f = facts.find((x) => x.name === name);
    if (!f) throw new Error(`${name}: no Patroni facts gathered`);
    return f;
  };
  const stages: PatroniStage[] = [];
  const push = (title: string, steps: PatroniStep[]) => {
    if (steps.length > 0) stages.push({ title, steps });
  };

  // Units: enable ours, disable the package's generic one (only when needed: a no-op redeploy changes nothing).
  push(
    'Patroni units',
    members.flatMap((m): PatroniStep[] => {
      const f = factsOf(m.name);
      const steps: PatroniStep[] = [];
      if (f.genericUnitEnabled) {
        steps.push({ kind: 'run', host: m.name, command: `systemctl disable ${PATRONI_GENERIC_SERVICE}`, why: 'm1 runs patroni@<cluster>, never the generic unit' });
      }
      if (!f.patroniEnabled) {
        steps.push({ kind: 'run', host: m.name, command: `systemctl enable ${quote(svc)}`, why: 'Patroni starts Postgres at boot' });
      }
      return steps;
    }),
  );

  const leaveUnit = (name: string, stop: boolean): PatroniStep[] => {
    const f = factsOf(name);
    const steps: PatroniStep[] = [];
    if (stop && f.postgresUnitActive) {
      steps.push({ kind: 'run', host: name, command: `systemctl stop ${POSTGRES_SERVICE}`, why: 'Patroni runs this Postgres from now on' });
    }
    if (f.postgresUnitEnabled) {
      steps.push({ kind: 'run', host: name, command: `systemctl disable ${POSTGRES_SERVICE}`, why: 'only Patroni may start Postgres' });
    }
    return steps;
  };
  const startPatroni = (name: string): PatroniStep => ({
    kind: 'run',
    host: name,
    command: `systemctl start ${quote(svc)}`,
    why: 'start Patroni',
  });
  const waitReplica = (name: string): PatroniStep => ({
    kind: 'wait-rest',
    host: name,
    api: apiOf(name),
    request: replicaRequest(),
    expect: 200,
    timeoutMs: opts.replicaTimeoutMs ?? 300_000,
    intervalMs: interval,
    why: `${name} runs as a replica under Patroni`,
  });

  if (dcs.members.length === 0) {
    // First start: pick the one primary, refuse anything ambiguous.
    const strays = members.filter((m) => factsOf(m.name).patroniActive);
    const primaries = members.filter((m) => factsOf(m.name).postgresRunning && factsOf(m.name).inRecovery === false);
    if (primaries.length > 1) {
      throw new PatroniPlanRefused(
        `Postgres runs as a primary on ${primaries.map((p) => p.name).join(' and ')}: refusing to start Patroni on two primaries; stop the one that must not lead and rerun`,
      );
    }
    const configured = members.find((m) => m.roles.includes('primary'));
    const primary = primaries[0] ?? configured;
    if (!primary) throw new PatroniPlanRefused('no primary: config.yml names none and no Postgres runs as one');
    const strayReplicas = strays.filter((s) => s.name !== primary.name);
    if (strayReplicas.length > 0) {
      throw new PatroniPlanRefused(
        `Patroni already runs on ${strayReplicas.map((s) => s.name).join(', ')} but the DCS holds no cluster: stop it there (systemctl stop ${svc}) and rerun; m1 starts ${primary.name} first`,
      );
    }
    const pf = factsOf(primary.name);
    const withData = members.filter((m) => m.name !== primary.name && factsOf(m.name).dataDirInitialised);
    if (!pf.dataDirInitialised && withData.length > 0) {
      throw new PatroniPlanRefused(
        `${primary.name} has no data but ${withData.map((m) => m.name).join(', ')} has: Patroni would initdb a new cluster on ${primary.name}; restore it or promote a replica first`,
      );
    }
    const first: PatroniStep[] = [];
    const adopt = !pf.postgresRunning && pf.dataDirInitialised;
    if (adopt) {
      first.push({
        kind: 'run',
        host: primary.name,
        command: `systemctl start ${POSTGRES_SERVICE}`,
        why: 'Patroni adopts a running primary without a promotion (same timeline)',
      });
    }
    if (!pf.patroniActive) first.push(startPatroni(primary.name));
    push(`start Patroni on the primary ${primary.name}`, first);
    push('wait for the leader', [
      {
        kind: 'wait-rest',
        host: primary.name,
        api: apiOf(primary.name),
        request: primaryRequest(),
        expect: 200,
        timeoutMs: opts.leaderTimeoutMs ?? 60_000,
        intervalMs: interval,
        why: `${primary.name} holds the leader lock before any replica starts`,
      },
    ]);
    if (pf.postgresUnitActive || adopt) {
      push(`hand Postgres on ${primary.name} over to Patroni`, [
        {
          kind: 'rest',
          host: primary.name,
          api: apiOf(primary.name),
          request: restartRequest(),
          expect: [200],
          why: 'Patroni restarts Postgres as its own child; the postgres unit goes inactive',
        },
      ]);
    }
    push(`disable the postgres unit on ${primary.name}`, leaveUnit(primary.name, false));

    const replicas = members.filter((m) => m.name !== primary.name).map((m) => m.name);
    push('replicas leave the postgres unit', replicas.flatMap((r) => leaveUnit(r, true)));
    push('start Patroni on the replicas', replicas.map(startPatroni));
    push('wait for the replicas', replicas.map(waitReplica));
  } else {
    // The cluster exists: start what is stopped, never move the leader.
    const known = new Set(dcs.members.map((m) => m.name));
    const stopped = members.filter((m) => !factsOf(m.name).patroniActive).map((m) => m.name);
    const anyActive = members.some((m) => factsOf(m.name).patroniActive);
    push('members leave the postgres unit', stopped.flatMap((n) => leaveUnit(n, true)));
    // Leftover of an interrupted hand-over: Patroni runs but Postgres is still the unit's.
    const handOver = members.filter((m) => factsOf(m.name).patroniActive && factsOf(m.name).postgresUnitActive).map((m) => m.name);
    push(
      'hand Postgres over to Patroni',
      handOver.map((n) => ({
        kind: 'rest' as const,
        host: n,
        api: apiOf(n),
        request: restartRequest(),
        expect: [200],
        why: 'Postgres still runs under the postgres unit',
      })),
    );
    push('disable the postgres unit', handOver.flatMap((n) => leaveUnit(n, false)));
    push('start stopped Patroni members', stopped.map(startPatroni));
    if (stopped.length > 0 && !dcs.leader && !anyActive) {
      push('wait for a leader', [
        {
          kind: 'wait-leader',
          host: stopped[0]!,
          api: apiOf(stopped[0]!),
          request: clusterRequest(),
          timeoutMs: opts.leaderTimeoutMs ?? 60_000,
          intervalMs: interval,
          why: 'Patroni elects the healthiest member',
        },
      ]);
    }
    // New members (never in the DCS) must come up as replicas.
    push('wait for new members', stopped.filter((n) => !known.has(n) && n !== dcs.leader).map(waitReplica));
  }

  // Changed patroni.yml on members that were already running: SIGHUP.
  push(
    'reload changed Patroni configs',
    members
      .filter((m) => factsOf(m.name).patroniActive && factsOf(m.name).configChanged)
      .map((m) => ({ kind: 'run' as const, host: m.name, command: `systemctl reload ${quote(svc)}`, why: 'patroni.yml changed' })),
  );
  return stages;
}
