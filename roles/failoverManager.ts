/**
 * The failover manager of a cluster (repmgr, Patroni or EFM) as one
 * interface: what deploy, status, `m1 test` and switchover need to know of
 * it. Each manager implements it in roles/<name>/manager.ts; managerFor()
 * (roles/managers.ts) picks the cluster's. Code outside the implementations
 * asks this interface and never compares the manager's name
 * (test/unit/architecture/managerName.test.ts holds that).
 */
import type { PatroniSelfApi } from '../src/live/facts/patroniCluster.js';
import type { CommandResult, FactDef, HostContext, Operation, Role, Stage } from '../src/engine/index.js';
import type { Cluster, FailoverManagerName, Instance, Role as InstanceRole } from '../src/inventory/cluster.js';
import type { LiveRole, LiveState } from '../src/inventory/liveTopology.js';
import type { EfmClusterStatus } from '../src/products/efm/commands/clusterStatus.js';
import type { SubscriptionToken } from '../src/products/efm/tokenGate.js';
import type { PatroniClusterStatus, PatroniSelfStatus } from '../src/products/patroni/clusterStatus.js';
import type { PostgresPgpassUser } from '../src/products/postgres/pgpass.js';
import type { DbUser } from '../src/products/postgres/users.js';
import type { RepmgrNodeRow } from '../src/live/facts/repmgrNodes.js';
import type { RepmgrShowRow } from '../src/live/facts/repmgrClusterShow.js';
import type { RepmgrdState } from '../src/live/facts/repmgrd.js';
import type { DeployContext, HostLiveFacts } from './context.js';

/** What the manager decided before deploy touched any host. */
export interface DeployGate {
  /** Lines deploy prints before it starts (what --skip-packages leaves out). */
  report: string[];
  /** The subscription token of the manager's package repository (EFM: EDB's), when its packages will be installed. */
  token?: SubscriptionToken;
}

export interface StageOptions {
  /** Hosts whose changed settings need a restart, in order (deploy's settings plan). */
  restartOrder: readonly string[];
  gate: DeployGate;
}

/** Operations a role yields, one at a time or as a batch. */
export type Yielded = AsyncGenerator<Operation | Operation[], void, unknown>;

/**
 * What the postgres role needs of the manager. The role does the same on
 * every Postgres host; these are the points where managers differ.
 */
export interface PostgresManagement {
  /** The manager's own database user and database, made on every writable server (the witness's too); the user's password goes in .pgpass. */
  database?: { user: DbUser & PostgresPgpassUser; name: string };
  /** Libraries the manager needs in shared_preload_libraries. */
  preloadLibraries: readonly string[];
  /** Fills the empty data directory of a replica. Absent: the manager makes its replicas itself (Patroni). */
  cloneReplica?(ctx: DeployContext, i: Instance, h: HostContext): Yielded;
  /** The script the postgres unit runs before the server starts, refusing a second primary; undefined: none on this host. */
  fence?(cluster: Cluster, i: Instance): string | undefined;
  /**
   * Why deploy must rewind this data node and rejoin it as a standby of the
   * live primary (a former primary kept down, a standby that left the
   * primary's history), else undefined; asked before the run, `read` runs a
   * fact on the node. The answer goes into the host's live facts (`rejoin`).
   */
  rejoinReason?(cluster: Cluster, live: LiveState, hosts: Readonly<Record<string, HostLiveFacts>>, i: Instance, read: <T>(def: FactDef<T>) => Promise<T>): Promise<string | undefined>;
  /**
   * On the live primary `i`, what keeps the nodes this run rewinds (live
   * facts `rejoin`) from counting against it while they are stopped (repmgr:
   * its runtime fence's planned-out list); undefined when nobody is rewound or
   * the primary has no such fence. Deploy runs it on the primary even when
   * the run is limited to the rewound host (m1 rejoin).
   */
  plannedOut?(ctx: DeployContext, i: Instance): Operation | undefined;
  /** Rejoins the host as a standby of the live primary (rewound) when its live facts say so (`rejoin`), before the role converges it. */
  rejoinAsStandby?(ctx: DeployContext, i: Instance, h: HostContext): Yielded;
  /** Whether the manager runs this host's server now: the role then leaves its conf files and service alone. */
  runsServer?(h: HostContext, role: LiveRole): Promise<boolean>;
}

/** What the reading of one host (status, switchover, test) includes for the manager. */
export interface ManagerReading {
  /** systemd units of the manager, and of the server where it has one, in the order status lists them. */
  units: string[];
  /** repmgr.nodes, repmgrd's state and `repmgr cluster show` from this node. */
  repmgr?: boolean;
  /** Patroni's REST API here (this member's name and port): GET /cluster and GET /patroni. */
  patroniApi?: PatroniSelfApi;
  /** The efm binary and cluster name for `efm cluster-status-json`. */
  efm?: { bin: string; cluster: string };
}

/** What one host's reading said of repmgr (src/live facts): repmgr.nodes as this node has it, `repmgr cluster show` from here, repmgrd. */
export interface RepmgrProbe {
  nodes: RepmgrNodeRow[];
  show: RepmgrShowRow[];
  daemon?: RepmgrdState;
}

/** What one host's reading said of the manager. */
export interface ManagerFacts {
  repmgr?: RepmgrProbe;
  patroni?: PatroniClusterStatus;
  /** This member's own state from its Patroni (GET /patroni). */
  patroniSelf?: PatroniSelfStatus;
  efm?: EfmClusterStatus;
}

export interface FmNode {
  name: string;
  /** The manager's word for it: primary, standby, witness, leader, replica... */
  role: string;
  /** running, unreachable, streaming, UP... */
  state: string;
  upstream?: string;
  /** The manager's daemon on this node (repmgrd): running, paused, stopped. */
  daemon?: string;
  /** Whether this member's manager holds automatic failover paused, as the member itself says; undefined: not known. */
  paused?: boolean;
}

export interface FmView {
  manager: FailoverManagerName;
  /** The host whose view this is. */
  from?: string;
  /** Whom the manager takes for the primary. */
  primary?: string;
  nodes: FmNode[];
  /** The manager has no member and runs nowhere (repmgr without a replica): no view is expected. */
  idle?: boolean;
  /** The cluster-wide pause switch, where the manager keeps one (Patroni's `pause` in the DCS); undefined: none, or not read. */
  paused?: boolean;
}

/**
 * Automatic failover as the members say it: 'paused' (none would act on a
 * failed primary), 'active', 'mixed' (some paused, some not: a pause that
 * did not reach every member), 'unknown' (no member said).
 */
export interface PauseState {
  state: 'active' | 'paused' | 'mixed' | 'unknown';
  /** Members that say they are paused. */
  paused: string[];
  /** Members that say they are not. */
  active: string[];
}

/**
 * The pause state of the manager's members from its view: each member's own
 * word, and the cluster-wide switch when the manager has one (a member that
 * has not yet taken the switch counts as what it says).
 */
export function pauseState(view: FmView, members: readonly string[]): PauseState {
  const nodes = view.nodes.filter((n) => members.includes(n.name));
  const paused = nodes.filter((n) => n.paused === true).map((n) => n.name);
  const active = nodes.filter((n) => n.paused === false).map((n) => n.name);
  const on = view.paused;
  let state: PauseState['state'];
  if (paused.length > 0 && active.length > 0) state = 'mixed';
  else if (on !== undefined && (paused.length > 0 || active.length > 0) && (on ? active.length > 0 : paused.length > 0)) state = 'mixed';
  else if (paused.length > 0 || on === true) state = 'paused';
  else if (active.length > 0 || on === false) state = 'active';
  else state = 'unknown';
  return { state, paused, active };
}

/** One command that pauses or resumes automatic failover on every member, run as root on one host. */
export interface PauseCommand {
  command: string;
  /** Data for its stdin (Patroni: curl's options, the REST password among them): never shown or logged. */
  stdin?: string;
  timeoutMs: number;
  /** How progress lines and errors name it. */
  display: string;
}

/** How a manager pauses and resumes automatic failover for the whole cluster (m1 pause, m1 resume, upgrade's restarts). */
export interface FailoverPause {
  /** The stored password its command needs (Patroni: the REST API's), if any. */
  readonly secret?: string;
  /**
   * The command, run as root on `host` (a member whose manager answers: the
   * primary first), that pauses (`paused` true) or resumes every member.
   * Idempotent: pausing a paused cluster changes nothing.
   */
  command(cluster: Cluster, host: Instance, paused: boolean, secret: string | undefined): PauseCommand;
  /** Why the command failed, else undefined: its exit status, or the answer it printed (an HTTP status). */
  failure(result: CommandResult): string | undefined;
  /** How long members may take to act on it once the command returned (Patroni: one loop). */
  readonly settleMs: number;
}

/** A manager that has no cluster-wide pause: why, and what to do instead (the message of `m1 pause`'s exit 2). */
export interface NoPause {
  unsupported(cluster: Cluster): string;
}

/** A manager whose former primary m1 does not rejoin: why, and what to do instead. */
export interface NoRejoin {
  unsupported(cluster: Cluster): string;
}

/** A command of m1 remove-node, run as root on a host it names. */
export interface RemovalCommand {
  command: string;
  timeoutMs: number;
}

/** How the manager takes one member out of service (m1 remove-node). */
export interface NodeRemoval {
  /** The manager's units on the node (and the server's), stopped and disabled there in this order. */
  units(cluster: Cluster, instance: Instance): string[];
  /** On `replica`, running: stream from `upstream` from now on, waiting until it does. */
  follow(cluster: Cluster, replica: Instance, upstream: Instance): RemovalCommand;
  /** On the primary: forget `instance` (its record), once it is stopped. Run only while the manager's view lists it, unless `unregisterAlways`. */
  unregister(cluster: Cluster, instance: Instance): RemovalCommand;
  /**
   * Run `unregister` even when the view no longer lists the node: it also
   * undoes what outlives the listing (Patroni: the member's permanent slot
   * in the DCS, which the leader would keep for good), and is a no-op otherwise.
   */
  readonly unregisterAlways?: boolean;
  /**
   * Right after: on the hosts that keep a copy of the manager's records
   * (repmgr's witness, synced from the primary only every 15 s), the same,
   * so that no command there still reaches for the node (`repmgr service
   * pause` fails on a node it cannot reach). `upstream`: where its replicas went.
   */
  copies(cluster: Cluster, instance: Instance, upstream: Instance): (RemovalCommand & { host: string; name: string })[];
  /** The replication slot the node streams through on its upstream, if the manager makes one. */
  slot(cluster: Cluster, instance: Instance): string | undefined;
}

/** A manager whose members m1 does not remove one by one: why, and what to do instead. */
export interface NoRemoval {
  unsupported(cluster: Cluster): string;
}

/** What m1 upgrade needs of the manager to restart a node onto new binaries. */
export interface MinorUpgrade {
  /** The manager's packages on a Postgres host that go to the sources' newer version with the server. */
  packages(cluster: Cluster): string[];
  /** Its units on the node stopped before the restart and started after (repmgr: repmgrd, which would mark its node inactive). */
  readonly stoppedAround: readonly string[];
  /** Its packages whose new version needs the server restarted (a library the server loads). */
  restartFor(cluster: Cluster): string[];
  /** On the restarted node, as root: exit 0 once the manager counts it in again (`primary`: the live primary), within `waitS`. */
  rejoined(cluster: Cluster, primary: string, host: string, waitS: number): string;
  /**
   * Whether automatic failover is paused around the replicas' restarts
   * (repmgr: yes, repmgrd would act on a server that went away on purpose).
   * Where false the manager restarts the node itself, knowing why (Patroni).
   */
  readonly pausesFailover: boolean;
  /** The stored password the restart commands need (Patroni: the REST API's), if any. */
  readonly secret?: string;
  /**
   * The commands that restart the node's server onto the new binaries, run
   * in order as root on it (each must exit 0); `upgraded`: the packages just
   * upgraded there. Absent: m1's postgres unit restarted with `stoppedAround`
   * stopped around it.
   */
  restart?(cluster: Cluster, instance: Instance, upgraded: readonly string[], secret: string | undefined): UpgradeCommand[];
}

/** One command of a node's restart in m1 upgrade. */
export interface UpgradeCommand {
  /** How progress lines and errors name it. */
  name: string;
  command: string;
  /** Data for its stdin (Patroni: curl's options, the REST password among them): never shown or logged. */
  stdin?: string;
  timeoutMs: number;
}

export interface NoMinorUpgrade {
  unsupported(cluster: Cluster): string;
}

export interface ViewInput {
  cluster: Cluster;
  /** Each host's reading, by instance name. */
  facts: Readonly<Record<string, ManagerFacts | undefined>>;
  /** The live primary, when exactly one: its view is asked first. */
  primary: string | undefined;
  /** The instance a host name or address the manager reports stands for (else the text itself). */
  nameOf(host: string): string;
}

/**
 * The host whose reading holds the manager's view (`has`): the live primary
 * first, its view being the current one, then the hosts in config.yml's order.
 */
export function viewSource({ cluster, facts, primary }: ViewInput, has: (f: ManagerFacts) => boolean): string | undefined {
  const order = primary === undefined ? [] : [primary];
  for (const i of cluster.instances) order.push(i.name);
  return order.find((h) => {
    const f = facts[h];
    return f !== undefined && has(f);
  });
}

/** One command of a switchover, as data: where, what, how long it may take. */
export interface SwitchoverStep {
  /** What progress lines and errors call it. */
  name: string;
  host: string;
  command: string;
  timeoutMs: number;
  /** Run even after an earlier step failed (e.g. unpausing repmgrd). */
  always?: boolean;
  /** The step that makes the target primary: promotion is watched while it runs. */
  promotes?: boolean;
}

/** A row of the switchover's verification table. */
export interface ManagerCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface FailoverManager {
  readonly name: FailoverManagerName;
  /** How messages name it: repmgr, Patroni, EFM. */
  readonly title: string;

  // deploy
  /** Secrets of the manager's own, generated and stored with the database users' passwords (Patroni's REST API, EFM's database user). */
  readonly passwordUsers: readonly string[];
  /** Checked before any host is touched, provision included; throws UsageError (exit 2) when deploy cannot go on. */
  gate(cluster: Cluster, env: Readonly<Record<string, string | undefined>>, skipPackages: ReadonlySet<string>): DeployGate;
  /** Package groups the common role installs for the manager on this host (`--skip-packages` takes the group names). */
  packages(cluster: Cluster, instance: Instance): Readonly<Record<string, readonly string[]>>;
  /** What the postgres role needs of the manager. */
  postgres(cluster: Cluster): PostgresManagement;
  /**
   * Whether Postgres settings reach the servers through deploy's conf.d
   * files and its planned restarts; false: through the manager (Patroni's
   * DCS and REST API), and deploy plans no restart.
   */
  readonly settingsByDeploy: boolean;
  /** Roles beside the common role in the first stage, on every host at once. */
  commonRoles(ctx: DeployContext, options: StageOptions): Role[];
  /** The stages between the common stage and the shared Barman, PgBouncer and HAProxy stages: the data nodes in topology order. */
  dataStages(ctx: DeployContext, options: StageOptions): Stage[];
  /** Stages after the shared ones (EFM's agents start once every server runs). */
  finalStages(ctx: DeployContext, options: StageOptions): Stage[];

  // reading and status
  /** The instances the manager watches: its view must list each of them, working. */
  members(cluster: Cluster): Instance[];
  /** What the reading of this host includes for the manager. */
  reading(cluster: Cluster, instance: Instance): ManagerReading;
  /** The manager's own view of the cluster, from the first host (the primary first) that gave one. */
  view(input: ViewInput): FmView;
  /** Why a member's entry in the view makes the cluster degraded (m1 status), else undefined. */
  problem(node: FmNode): string | undefined;
  /** Whether `m1 test` takes a member's entry as working. */
  works(node: FmNode): boolean;
  /** What is worth a warning about a member that does not make the cluster degraded; `streamsFrom`: its live upstream. */
  warnings(node: FmNode, streamsFrom: string | undefined): string[];
  /** The title of the view's daemon column (repmgr: repmgrd), when the manager has a daemon per node. */
  readonly daemonColumn?: string;

  // maintenance
  /** How automatic failover is paused and resumed (m1 pause / resume), or why it cannot be. */
  readonly pause: FailoverPause | NoPause;

  // switchover
  /**
   * The commands of a switchover from `primary` to `target`; `addresses`: the
   * inventory's, by instance name. `failoverPaused`: some member was paused
   * before (m1 pause), and must stay so afterwards.
   */
  switchoverSteps(
    cluster: Cluster,
    plan: { primary: string; target: string; failoverPaused?: boolean; cascaded?: readonly { host: string; upstream: string }[] },
    addresses: Readonly<Record<string, string>>,
  ): SwitchoverStep[];
  /**
   * The member this replica streams from whichever node is the primary
   * (Patroni: its `replicatefrom` tag), else undefined. A replica pinned to
   * the old primary stays under it after a switchover, cascaded, instead of
   * following the target (repmgr's siblings all follow: no pin).
   */
  pinnedUpstream?(cluster: Cluster, instance: Instance): string | undefined;
  /** Checks of the manager's own after a switchover (repmgr: its witnesses follow the target), from its view then. */
  switchoverChecks(plan: { target: string; witnesses: readonly string[] }, view: FmView): ManagerCheck[];

  // recovery (rejoin, drills)
  /**
   * How a former primary kept down comes back as a standby: `deploy`, by
   * deploy's rejoin on that host (PostgresManagement.rejoinAsStandby;
   * `m1 rejoin` runs just that host's part of deploy), or why m1 does not
   * (`m1 rejoin`'s exit 2 says it).
   */
  readonly rejoin: 'deploy' | NoRejoin;
  /** How one replica or witness is taken out (m1 remove-node), or why m1 does not (its exit 2 says it). */
  readonly removal: NodeRemoval | NoRemoval;
  /** How m1 upgrade restarts a node onto a new minor version, or why it does not yet (its exit 2 says it). */
  readonly minorUpgrade: MinorUpgrade | NoMinorUpgrade;
  /**
   * The role of the hosts that vote beside the data nodes when the manager
   * decides a failover: repmgr's and EFM's witness, Patroni's etcd members
   * (`m1 drill` crashes one of them).
   */
  readonly voters: Extract<InstanceRole, 'witness' | 'etcd'>;
}
