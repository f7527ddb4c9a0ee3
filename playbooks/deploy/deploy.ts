/**
 * `m1 deploy` as a library call: load config.yml (errors: exit 2, nothing
 * touched), take the cluster lock (held elsewhere: exit 3), provision (a
 * no-op when nothing changed), read the live facts of every host with one
 * command each, warn about drift from config.yml (never repaired), refuse a
 * Postgres version the package sources lack, plan reloads and restarts, then
 * run the playbook stage by stage and sum up.
 */
import type { Cluster } from '../../src/inventory/cluster.js';
import { runsPostgres } from '../../src/inventory/cluster.js';
import { loadCluster } from '../../src/config/load.js';
import { HostError, RefusedError, UsageError } from '../../src/errors.js';
import {
  Engine,
  acquireLock,
  connectorsFromInventory,
  defineFact,
  defineRole,
  progressReporter,
  Secrets,
  stderrTail,
  type Reporter,
  type RunResult,
  type Stage,
  type OpResult,
  type Connector,
  type Playbook,
} from '../../src/engine/index.js';
import { readInventory, type Inventory } from '../../src/inventory/inventory.js';
import { platformFor } from '../../src/platforms/index.js';
import { readKnownHosts } from '../../src/platforms/clusterFiles.js';
import { parseKnownHosts, keysFor } from '../../src/ssh/knownHosts.js';
import { generateKeyPair, type PublicKey } from '../../src/ssh/keys.js';
import { checkStoredSecrets, ensureClusterCa, ensureHostCertificate, secretsDir } from '../../src/secrets/index.js';
import { certificateNames } from '../../src/products/postgres/certificates.js';
import { sshKnownHosts, ensureServiceKey, serviceKeyFile, type ServiceUser } from '../../src/products/system/sshKeys.js';
import { deployPlaybook } from './playbook.js';
import type { ClusterTls, DeployContext, HostLiveFacts } from '../../roles/context.js';
import type { FailoverManager } from '../../roles/failoverManager.js';
import { managerFor } from '../../roles/managers.js';
import { buildGatherCommand, parseGather, type GatheredHost } from './gather.js';
import { hostLiveFacts, liveTopology } from './live.js';
import { DEPLOY_PASSWORD_USERS, ensurePasswords } from './passwords.js';
import { applicationPasswordUsers } from '../../src/products/postgres/applications.js';
import { planSettings, type SettingsPlan } from './settingsPlan.js';
import { DEPLOY_PACKAGE_GROUPS } from './packageGroups.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { releasePostgresList } from '../../src/inventory/debianReleases.js';

export interface DeployOptions {
  check?: boolean;
  /** Show the diff of every change. */
  diff?: boolean;
  forks?: number;
  /** Package groups to leave out (test aid): postgres, repmgr, barman, pgbouncer, efm, patroni, etcd, haproxy. */
  skipPackages?: readonly string[];
  /** Where EDB_SUBSCRIPTION_TOKEN is read (EFM clusters); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  verbose?: boolean;
  /** Where progress and the summary go (default: nowhere; the outcome holds them). */
  write?: (text: string) => void;
  /** Draw the listr2 display on the terminal (stdout) instead of plain lines to `write` (default false). */
  tty?: boolean;
  /**
   * Converge only these hosts (m1 rejoin): nothing is provisioned, every
   * host's live facts are still read (the topology needs them), the other
   * hosts' steps are left out.
   */
  limit?: readonly string[];
  /**
   * Run only the stages of these names (m1 restore: `common` on the new
   * primary, its packages, users and SSH, before Barman recovers its data
   * directory; the postgres stage would initdb it).
   */
  stages?: readonly string[];
}

export interface StageTiming {
  name: string;
  wallMs: number;
  /** Per host: summed duration of its operations in this stage. */
  hostMs: Record<string, number>;
  /** Per host: summed duration of the remote commands it ran in this stage (facts included). */
  remoteMs: Record<string, number>;
}

export interface DeployOutcome {
  exitCode: 0 | 1;
  cluster: string;
  result: RunResult;
  warnings: string[];
  settings: SettingsPlan;
  /** The line printed last: "changed N on M hosts" / "nothing to change". */
  summary: string;
  timings: { provisionMs: number; factsMs: number; runMs: number; totalMs: number; stages: StageTiming[] };
}

/** Reporter fan-out: progress for people, timings for the summary and the benchmark. */
function both(a: Reporter, b: Reporter): Reporter {
  const keys: (keyof Reporter)[] = ['runStart', 'stageStart', 'taskStart', 'taskEnd', 'hostEnd', 'stageEnd', 'runEnd'];
  const out: Reporter = {};
  for (const k of keys) {
    (out as Record<string, unknown>)[k] = async (...args: unknown[]) => {
      await (a[k] as ((...x: unknown[]) => unknown) | undefined)?.(...args);
      await (b[k] as ((...x: unknown[]) => unknown) | undefined)?.(...args);
    };
  }
  return out;
}

/** Timings of the run: the current stage, and every remote command's duration charged to it. */
class Timings {
  readonly stages: StageTiming[] = [];
  current: StageTiming | undefined;

  /** Wraps a connector so each command's time is added to the current stage's host total. */
  wrap<C extends Connector>(connector: C): C {
    const run = connector.run.bind(connector);
    connector.run = async (cmd, opts) => {
      const t = performance.now();
      try {
        return await run(cmd, opts);
      } finally {
        const s = this.current;
        if (s) s.remoteMs[connector.host] = Math.round(((s.remoteMs[connector.host] ?? 0) + performance.now() - t) * 10) / 10;
      }
    };
    return connector;
  }

  begin(name: string): StageTiming {
    this.current = { name, wallMs: 0, hostMs: {}, remoteMs: {} };
    this.stages.push(this.current);
    return this.current;
  }
}

function timingReporter(timings: Timings): Reporter {
  let started = 0;
  let current: StageTiming | undefined;
  return {
    stageStart(stage: Stage) {
      started = performance.now();
      current = timings.begin(stage.name);
    },
    taskEnd(r: OpResult) {
      if (current) current.hostMs[r.host] = (current.hostMs[r.host] ?? 0) + r.durationMs;
    },
    stageEnd() {
      if (current) current.wallMs = Math.round(performance.now() - started);
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The service users' key pairs; in check mode a missing pair is not written (a throwaway one stands in). */
async function serviceKeys(cluster: Cluster, check: boolean, secrets: Secrets): Promise<Record<ServiceUser, { privateKey: string; publicKey: string }>> {
  const out = {} as Record<ServiceUser, { privateKey: string; publicKey: string }>;
  for (const user of ['postgres', 'barman'] as ServiceUser[]) {
    if (check && !(await exists(join(cluster.dir, serviceKeyFile(user))))) {
      const pair = generateKeyPair('ed25519', `m1-${cluster.name}-${user}`);
      out[user] = { privateKey: pair.privateKey, publicKey: pair.publicKey };
    } else {
      const k = await ensureServiceKey(cluster.dir, cluster.name, user);
      out[user] = { privateKey: k.privateKey, publicKey: k.publicKey };
    }
    secrets.register(out[user].privateKey);
  }
  return out;
}

/** The cluster CA and every host's certificate (issued, stored, renewed as needed); check mode writes none. */
async function clusterTls(cluster: Cluster, addresses: Readonly<Record<string, string>>, check: boolean, secrets: Secrets, write: (s: string) => void): Promise<ClusterTls> {
  const ca = await ensureClusterCa(cluster.dir, cluster.name, { check });
  const hosts: Record<string, { cert: string; key: string }> = {};
  for (const i of cluster.instances) {
    const c = await ensureHostCertificate(cluster.dir, ca, i.name, certificateNames(cluster, i.name, addresses), { check });
    if (c.issued && c.issued !== 'none stored') write(`certificate of ${i.name}: ${check ? 'would be reissued' : 'reissued'} (${c.issued}), valid until ${c.notAfter.toISOString().slice(0, 10)}\n`);
    secrets.register(c.key);
    hosts[i.name] = { cert: c.cert, key: c.key };
  }
  return { ca: ca.cert, hosts };
}

/** /etc/ssh/ssh_known_hosts from the host keys provision recorded for each host's address. */
async function knownHostsText(cluster: Cluster, inventory: Inventory): Promise<string> {
  const entries = parseKnownHosts(await readKnownHosts(cluster.dir));
  const keys: Record<string, PublicKey[]> = {};
  for (const h of inventory.hosts) keys[h.name] = keysFor(entries, h.address, h.port).filter((k) => !k.revoked).map(({ algorithm, base64 }) => ({ algorithm, base64 }));
  return sshKnownHosts(cluster, keys);
}

const isMissing = (candidate: string | undefined) => candidate !== undefined && (candidate === '' || candidate === '(none)');

/** Refusals that must come before any change: a Postgres version the package sources lack, a data directory of another version. */
export function preflightProblems(cluster: Cluster, gathered: Readonly<Record<string, GatheredHost | undefined>>, skip: ReadonlySet<string>): string[] {
  const v = cluster.postgresVersion;
  const problems: string[] = [];
  const lacking = cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager) && !skip.has('postgres') && isMissing(gathered[i.name]?.candidate));
  if (lacking.length > 0) {
    problems.push(
      `postgresql-${v} is not available from the package sources of ${lacking.map((i) => i.name).join(', ')} (apt-cache policy postgresql-${v}: no candidate); ` +
        `fix: set postgres_version in ${join(cluster.dir, 'config.yml')} to a version the hosts' distribution ships (${releasePostgresList()}), ` +
        `or add a package source that provides postgresql-${v} (the PostgreSQL project's apt repository) to the hosts, then deploy again`,
    );
  }
  for (const i of cluster.instances) {
    const dv = gathered[i.name]?.dataDirVersion;
    if (dv !== undefined && dv !== String(v)) {
      problems.push(`${i.name}: /opt/postgres/data holds PostgreSQL ${dv} but config.yml says postgres_version ${v}; m1 deploy does not upgrade major versions`);
    }
  }
  return problems;
}

/** The playbook without some hosts (check mode: not provisioned yet); stages left empty are dropped. */
export function withoutHosts(playbook: Playbook, hosts: readonly string[]): Playbook {
  if (hosts.length === 0) return playbook;
  const out = new Set(hosts);
  const stages = playbook.stages.map((st) => ({ ...st, hosts: st.hosts.filter((h) => !out.has(h)) })).filter((st) => st.hosts.length > 0);
  return { ...playbook, stages };
}

/**
 * A run limited to a node it rewinds (m1 rejoin) leaves the live primary out,
 * yet the primary's fence must not count that node while it is stopped: the
 * manager's planned-out step runs on the primary first, alone.
 */
export function withPlannedOut(playbook: Playbook, ctx: DeployContext, manager: FailoverManager, leftOut: readonly string[]): Playbook {
  const primary = ctx.live.primary;
  if (primary === undefined || !leftOut.includes(primary)) return playbook;
  const i = ctx.cluster.instances.find((x) => x.name === primary);
  const op = i && manager.postgres(ctx.cluster).plannedOut?.(ctx, i);
  if (!op) return playbook;
  return { ...playbook, stages: [{ name: 'planned out', hosts: [primary], roles: [defineRole('fence', () => [op])] }, ...playbook.stages] };
}

/** The run's last line; `totalMs`: the whole deploy, config.yml read to the end (provision and facts included). */
function summaryLine(cluster: string, result: RunResult, check: boolean, totalMs: number): string {
  const changedHosts = Object.entries(result.recap).filter(([, r]) => r.changed > 0);
  const changes = changedHosts.reduce((n, [, r]) => n + r.changed, 0);
  const secs = `${(totalMs / 1000).toFixed(1)} s`;
  // The step each host failed at (an unreachable host's error names only the host).
  const failed = result.results.filter((r) => r.status === 'failed').map((r) => `${r.host} (${r.role === '-' ? r.task : `${r.role} › ${r.task}`})`);
  const tail = failed.length ? `; failed on ${failed.join(', ')}` : '';
  if (changes === 0) return `deploy ${cluster}: nothing to change${check ? ' (check mode)' : ''}${tail} (${secs})`;
  const n = changedHosts.length;
  return `deploy ${cluster}: ${check ? 'would change' : 'changed'} ${changes} on ${n} host${n === 1 ? '' : 's'}${tail} (${secs})`;
}

export async function deployCluster(dir: string, options: DeployOptions = {}): Promise<DeployOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const check = options.check ?? false;
  const skip = new Set(options.skipPackages ?? []);
  for (const g of skip) if (!DEPLOY_PACKAGE_GROUPS.includes(g)) throw new UsageError(`--skip-packages ${g}: unknown package group (known: ${DEPLOY_PACKAGE_GROUPS.join(', ')})`);
  const { cluster, warnings: configWarnings } = await loadCluster(dir);
  for (const w of configWarnings) write(`warning: ${w}\n`);
  await checkStoredSecrets(cluster.dir); // a damaged password file: exit 2 before any host is touched
  const manager = managerFor(cluster);
  // Before any host is touched, provision included (EFM: the subscription token and the repository address).
  const gate = manager.gate(cluster, options.env ?? process.env, skip);
  for (const line of gate.report) write(`${line}\n`);
  const lock = acquireLock(cluster.dir, check ? 'deploy --check' : options.limit ? `deploy --limit ${options.limit.join(',')}` : 'deploy');
  let engine: Engine | undefined;
  try {
    const tp = performance.now();
    for (const h of options.limit ?? []) if (!cluster.instances.some((i) => i.name === h)) throw new UsageError(`${h} is not a host of cluster ${cluster.name}`);
    // --check creates no container: it works on the hosts provisioned so far and says which are not; a limited run creates none either.
    const inventory = check || options.limit
      ? await readInventory(cluster.dir)
      : (await platformFor(cluster).provision(cluster, { trustRunning: true, progress: (line) => write(`provision: ${line}\n`) })).inventory;
    const provisionMs = Math.round(performance.now() - tp);
    const unprovisioned = cluster.instances.map((i) => i.name).filter((n) => !inventory.hosts.some((h) => h.name === n));
    const limitedUnprovisioned = unprovisioned.filter((n) => options.limit?.includes(n));
    if (limitedUnprovisioned.length > 0) throw new UsageError(`${limitedUnprovisioned.join(', ')}: not provisioned (not in ${join(cluster.dir, 'inventory.json')}); run m1 deploy ${cluster.dir} first`);
    if (unprovisioned.length > 0 && check) write(`check mode: not provisioned yet (deploy would provision, then converge them): ${unprovisioned.join(', ')}\n`);
    const timings = new Timings();
    const reporter = both(progressReporter({ diff: options.diff, verbose: options.verbose, write, tty: options.tty ?? false }), timingReporter(timings));
    const connectors = connectorsFromInventory(cluster.dir, inventory);
    for (const conn of connectors.values()) timings.wrap(conn);
    const secrets = new Secrets();
    engine = await Engine.open({
      connectors,
      clusterDir: cluster.dir,
      command: 'deploy',
      lock: false,
      forks: options.forks,
      check,
      secrets,
      reporter,
    });
    const passwords = await ensurePasswords(cluster.dir, secrets, check, [...DEPLOY_PASSWORD_USERS, ...manager.passwordUsers, ...applicationPasswordUsers(cluster)]);
    const keys = await serviceKeys(cluster, check, secrets);
    const knownHosts = await knownHostsText(cluster, inventory);
    const addresses = Object.fromEntries(inventory.hosts.map((h) => [h.name, h.address]));
    const tls = await clusterTls(cluster, addresses, check, secrets, write);

    // Live facts: one command per host, all hosts at once.
    const tf = performance.now();
    const factsStage = timings.begin('facts');
    const gathered: Record<string, GatheredHost | undefined> = {};
    const warnings: string[] = [];
    await Promise.all(
      cluster.instances.filter((i) => !unprovisioned.includes(i.name)).map(async (i) => {
        const o = { version: cluster.postgresVersion, checkPackageSource: runsPostgres(i, cluster.failoverManager) };
        const def = defineFact(`deploy-gather`, buildGatherCommand(o), (r) => {
          if (r.code !== 0) throw new HostError(`reading live facts exited ${r.code}: ${stderrTail(r, 2)}`);
          return parseGather(o, r.stdout);
        });
        try {
          gathered[i.name] = await engine!.fact(i.name, def);
        } catch (e) {
          warnings.push(`${i.name}: ${e instanceof Error ? e.message : String(e)}`.replace(new RegExp(`^${i.name}: ${i.name}: `), `${i.name}: `));
        }
      }),
    );
    const factsMs = Math.round(performance.now() - tf);
    factsStage.wallMs = factsMs;
    timings.current = undefined;
    const hosts: Record<string, HostLiveFacts> = {};
    for (const i of cluster.instances) hosts[i.name] = hostLiveFacts(cluster, gathered[i.name], addresses);
    let topo = liveTopology(cluster, hosts);
    // Whom deploy rewinds and rejoins is read before the run: those hosts will stream from the primary, and every role must know it.
    const rejoinReason = manager.postgres(cluster).rejoinReason;
    if (rejoinReason && topo.live.primary !== undefined) {
      const live = topo.live;
      await Promise.all(
        cluster.instances.filter((i) => gathered[i.name] !== undefined).map(async (i) => {
          try {
            const why = await rejoinReason(cluster, live, hosts, i, (def) => engine!.fact(i.name, def));
            if (why !== undefined) hosts[i.name] = { ...hosts[i.name]!, rejoin: why };
          } catch (e) {
            warnings.push(`${i.name}: could not read whether it must be rewound: ${e instanceof Error ? e.message : String(e)}`);
          }
        }),
      );
      topo = liveTopology(cluster, hosts);
    }
    warnings.push(...topo.warnings);
    for (const w of warnings) write(`warning: ${w}\n`);

    const problems = preflightProblems(cluster, gathered, skip);
    // A manager that applies settings itself (Patroni) gets no restart of the postgres unit from deploy.
    const settings: SettingsPlan = manager.settingsByDeploy
      ? planSettings(cluster, topo.live, gathered, manager.postgres(cluster).preloadLibraries)
      : { hosts: [], restartOrder: [], problems: [] };
    problems.push(...settings.problems);
    if (problems.length > 0) throw new RefusedError(`deploy refused before any change:\n  ${problems.join('\n  ')}`);
    for (const p of settings.hosts) {
      write(`settings on ${p.host}: ${p.change.changed.join(', ')} changed: ${p.change.action}${p.change.action === 'restart' ? ` (for ${p.change.restartFor.join(', ')})` : ''}\n`);
    }
    if (settings.restartOrder.length > 0) write(`restart order: ${settings.restartOrder.join(', ')}\n`);

    const ctx: DeployContext = {
      cluster,
      live: topo.live,
      hosts,
      secrets,
      secretsDir: secretsDir(cluster.dir),
      check,
      memoryMb: Object.fromEntries(cluster.instances.map((i) => [i.name, gathered[i.name]?.memoryMb || 1024])),
      skipPackages: skip,
      passwords: passwords.byUser,
      serviceKeys: keys,
      sshKnownHosts: knownHosts,
      addresses,
      tls,
    };
    const tr = performance.now();
    const playbook = deployPlaybook(ctx, manager, { restartOrder: settings.restartOrder, gate });
    const limit = options.limit;
    const leftOut = limit ? cluster.instances.map((i) => i.name).filter((n) => !limit.includes(n)) : [];
    const only = options.stages;
    const chosen = only ? { ...playbook, stages: playbook.stages.filter((st) => only.includes(st.name)) } : playbook;
    const result = await engine.run(withPlannedOut(withoutHosts(chosen, [...unprovisioned, ...leftOut]), ctx, manager, leftOut));
    const runMs = Math.round(performance.now() - tr);
    const summary = summaryLine(cluster.name, result, check, performance.now() - t0);
    write(`${summary}\n`);
    return {
      exitCode: result.exitCode,
      cluster: cluster.name,
      result,
      warnings,
      settings,
      summary,
      timings: { provisionMs, factsMs, runMs, totalMs: Math.round(performance.now() - t0), stages: timings.stages },
    };
  } finally {
    await engine?.close();
    lock.release();
  }
}
