/**
 * What every deploy role is given: the cluster as configured, the live state
 * gathered before any change, and where the cluster's secrets live. Roles are
 * built per run from this (`(ctx: DeployContext) => Role`) and stay pure:
 * they read the host through facts and never connect, spawn or sleep.
 */
import type { Cluster } from '../src/inventory/cluster.js';
import type { LiveState } from '../src/inventory/liveTopology.js';
import type { Secrets } from '../src/engine/index.js';

/** What deploy learnt from one host before changing anything. */
export interface HostLiveFacts {
  /** The host answered over SSH. */
  reachable: boolean;
  /** Postgres answers on the local socket. */
  postgresRunning: boolean;
  /** pg_is_in_recovery(), when Postgres answers. */
  inRecovery?: boolean;
  /** The host this replica streams from now (pg_stat_wal_receiver / primary_conninfo), as an instance name. */
  upstream?: string;
  /** false: no WAL receiver streams, `upstream` is only what primary_conninfo names. */
  streaming?: boolean;
  /** The data directory holds a cluster (PG_VERSION exists). */
  dataDirInitialised: boolean;
  /** pg_control's system identifier, when known. */
  systemIdentifier?: string;
  /** Current timeline, when Postgres answers. */
  timeline?: number;
  /**
   * Deploy rewinds this data node and rejoins it as a standby of the live
   * primary, and why (a former primary; a standby that left the primary's
   * history). Decided before the run (PostgresManagement.rejoinReason), so
   * every role sees it streaming from the primary: its registration, the
   * slot on the primary, no slot on a configured upstream it will not use.
   */
  rejoin?: string;
}

export interface DeployContext {
  cluster: Cluster;
  /** Live replication topology (who is primary now, who streams from whom). */
  live: LiveState;
  /** Per-host facts gathered before the run, by instance name. */
  hosts: Readonly<Record<string, HostLiveFacts>>;
  /** Registry of secret values: every password a role uses is registered here first. */
  secrets: Secrets;
  /** <cluster-dir>/secrets: generated passwords, 0600 files in a 0700 directory. */
  secretsDir: string;
  /** Check mode: report, change nothing. */
  check: boolean;
  /** Host memory in MiB by instance name (for sizing shared_buffers and friends). */
  memoryMb: Readonly<Record<string, number>>;
  /** Test aid: package groups whose install and start deploy skips (e.g. 'efm'). */
  skipPackages: ReadonlySet<string>;
  /**
   * Passwords by user (postgres, repmgr, barman, streaming_barman, replication,
   * pgbouncer_auth_user, pgbouncer), already registered in `secrets`. Set by deploy.
   */
  passwords?: Readonly<Record<string, string>>;
  /** The cluster's service key pairs (keys/id_postgres, keys/id_barman). Set by deploy. */
  serviceKeys?: Readonly<Record<'postgres' | 'barman', { privateKey: string; publicKey: string }>>;
  /** /etc/ssh/ssh_known_hosts for every host: each cluster host's keys by name and address. Set by deploy. */
  sshKnownHosts?: string;
  /** Inventory address of each host, by instance name. Set by deploy. */
  addresses?: Readonly<Record<string, string>>;
  /** The cluster CA's certificate and each host's certificate and key (PEM), signed by it. Set by deploy. */
  tls?: ClusterTls;
}

export interface ClusterTls {
  ca: string;
  hosts: Readonly<Record<string, { cert: string; key: string }>>;
}

/** The host's certificate pair and the CA; an error naming the host when the context lacks it. */
export function tlsOf(ctx: DeployContext, host: string): { ca: string; cert: string; key: string } {
  const pair = ctx.tls?.hosts[host];
  if (!ctx.tls || !pair) throw new Error(`deploy context: no certificate for ${host}`);
  return { ca: ctx.tls.ca, ...pair };
}

/** A password deploy generated (and registered); an error naming the user when the context lacks it. */
export function passwordOf(ctx: DeployContext, user: string): string {
  const p = ctx.passwords?.[user];
  if (p === undefined) throw new Error(`deploy context: no password for ${user}`);
  return p;
}
