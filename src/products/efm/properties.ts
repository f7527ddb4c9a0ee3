/**
 * `<cluster>.properties` for one EFM node, as TPA writes it (reference 5.2):
 * EFM's documented defaults except where TPA chooses otherwise, the per-node
 * values (bind address, witness, promotable, auto.reconfigure), then every
 * key of efm_conf_settings on top.
 */
import { type Cluster, type Instance, hasRole } from '../../inventory/cluster.js';
import { type LiveState, NOTHING_LIVE, effectivePrimary, effectiveUpstream } from '../../inventory/liveTopology.js';
import { efmConfSettings } from './confSettings.js';
import { isPropertyOf } from './knownProperties.js';
import { efmAddress, efmBindPort, efmNodeInstances, isEfmWitness } from './nodes.js';
import { postgresSettings } from './postgresVars.js';
import { type EfmVersion, efmPaths, efmVersion } from './version.js';

/** Property values that must not appear in output, logs or diffs. */
export const EFM_SENSITIVE_PROPERTIES: readonly string[] = ['db.password.encrypted'];

/** What the cluster looks like now, where that matters to the properties. */
export interface EfmLive {
  /**
   * Who is primary and who streams from whom now (facts); default: nothing
   * runs yet, config.yml's topology. After a switchover the properties
   * follow the live topology, as TPA's upstream_primary does.
   */
  topology?: LiveState;
  /**
   * What `efm encrypt <cluster> --from-env` printed on this host (see
   * commands/encrypt.ts). Absent: db.password.encrypted is left out and
   * reported in `leftOut`.
   */
  encryptedPassword?: string;
}

export interface LeftOutProperty {
  key: string;
  reason: string;
}

export interface EfmPropertiesResult {
  /** Property name -> value, in file order. */
  properties: Map<string, string>;
  /** Properties m1 would write but could not (today only the encrypted password). */
  leftOut: LeftOutProperty[];
  /** efm_conf_settings problems worth a warning; the same for every node, report them once. */
  warnings: string[];
}

/** The efm notification script TPA points script.notification at (EFM requires a script or an email). */
export function efmNotificationScriptPath(cluster: Cluster, version: EfmVersion = efmVersion(cluster)): string {
  return `${efmPaths(version).confDir}/${cluster.name}-efm.notification.sh`;
}

/**
 * A cascaded standby streams from another standby: EFM must neither promote
 * it (it may lag) nor repoint it at a new primary (its upstream still
 * stands). The witness has no Postgres, so it never counts as cascaded.
 */
export function isCascadedStandby(cluster: Cluster, instance: Instance, live: EfmLive = {}): boolean {
  if (isEfmWitness(cluster, instance)) return false;
  const topology = live.topology ?? NOTHING_LIVE;
  const upstream = effectiveUpstream(cluster, topology, instance.name);
  return upstream !== undefined && upstream !== effectivePrimary(cluster, topology);
}

export function efmProperties(cluster: Cluster, instance: Instance, live: EfmLive = {}): EfmPropertiesResult {
  if (!efmNodeInstances(cluster).some((i) => i.name === instance.name)) {
    throw new Error(`efmProperties: ${instance.name} is not an EFM node of cluster ${cluster.name}`);
  }
  const version = efmVersion(cluster);
  const pg = postgresSettings(cluster, instance);
  const witness = isEfmWitness(cluster, instance);
  const cascaded = isCascadedStandby(cluster, instance, live);
  const pgAtLeast12 = cluster.postgresVersion >= 12;
  const logServer = cluster.instances.find((i) => hasRole(i, 'log-server'));
  const syslog = logServer !== undefined && logServer.name !== instance.name;
  const settings = efmConfSettings(cluster, instance, version);

  const properties = new Map<string, string>();
  // Only properties this EFM version reads are written: 5.1+ refuses unknown ones.
  const put = (key: string, value: string) => {
    if (isPropertyOf(key, version)) properties.set(key, value);
  };
  const leftOut: LeftOutProperty[] = [];

  put('db.user', 'efm');
  if (live.encryptedPassword !== undefined) {
    if (/[\r\n]/.test(live.encryptedPassword) || live.encryptedPassword === '') {
      throw new Error('efmProperties: the encrypted password must be one non-empty line');
    }
    put('db.password.encrypted', live.encryptedPassword);
  } else if (!settings.entries.has('db.password.encrypted')) {
    leftOut.push({
      key: 'db.password.encrypted',
      reason: `left out: it is produced on the host by \`efm encrypt ${cluster.name} --from-env\`, which did not run`,
    });
  }
  put('db.port', String(pg.port));
  put('db.database', 'postgres');
  put('db.service.owner', pg.user);
  put('db.service.name', pg.serviceName);
  put('db.bin', pg.binDir);
  put('db.data.dir', pg.dataDir);
  put('db.config.dir', '');
  put('jdbc.sslmode', 'disable');
  put('user.email', '');
  put('from.email', '');
  put('notification.level', 'INFO');
  put('notification.text.prefix', '');
  put('script.notification', efmNotificationScriptPath(cluster, version));
  put('bind.address', `${efmAddress(cluster, instance)}:${efmBindPort(cluster)}`);
  put('external.address', '');
  put('admin.port', '7809');
  put('is.witness', witness ? 'true' : 'false');
  put('local.period', '10');
  put('local.timeout', '60');
  put('local.timeout.final', '10');
  put('remote.timeout', '10');
  put('node.timeout', '50');
  put('encrypt.agent.messages', 'false');
  put('stop.isolated.primary', 'true');
  put('stop.failed.primary', 'true');
  put('primary.shutdown.as.failure', 'false');
  // Keeps replicas' slots advancing so they survive a failover (needs PG 12's slot functions).
  if (pgAtLeast12) put('update.physical.slots.period', '10');
  put('ping.server.ip', '8.8.8.8');
  put('ping.server.command', '/bin/ping -q -c3 -w5');
  // TPA's choice: the first agent admits the hosts of its .nodes file, and
  // EFM does not rewrite the file m1 manages.
  put('auto.allow.hosts', 'true');
  put('stable.nodes.file', 'true');
  put('db.reuse.connection.count', '0');
  put('auto.failover', 'true');
  put('auto.reconfigure', pgAtLeast12 && !cascaded ? 'true' : 'false');
  put('auto.rewind', 'false');
  put('auto.basebackup', 'false');
  put('promotable', witness || cascaded ? 'false' : 'true');
  put('use.replay.tiebreaker', 'true');
  put('standby.restart.delay', '0');
  // Matches the application_name in the replicas' primary_conninfo.
  put('application.name', instance.name);
  put('restore.command', '');
  put('backup.wal', 'false');
  put('reconfigure.num.sync', 'false');
  put('reconfigure.num.sync.max', '');
  put('reconfigure.sync.primary', 'false');
  put('check.num.sync.period', '30');
  put('minimum.standbys', '0');
  put('recovery.check.period', '1');
  put('restart.connection.timeout', '60');
  put('auto.resume.period', '0');
  put('auto.resume.startup.period', '0');
  put('auto.resume.failure.period', '0');
  put('virtual.ip', '');
  put('virtual.ip.interface', '');
  put('virtual.ip.prefix', '');
  put('virtual.ip.single', 'true');
  put('check.vip.before.promotion', 'true');
  put('check.vip.timeout', '60');
  put('release.vip.background', 'true');
  put('release.vip.pre.wait', '0');
  put('release.vip.post.wait', '0');
  put('pgpool.enable', 'false');
  put('pcp.user', '');
  put('pcp.host', '');
  put('pcp.port', '');
  put('pcp.pass.file', '');
  put('pgpool.bin', '');
  put('script.load.balancer.attach', '');
  put('script.load.balancer.detach', '');
  put('script.fence', '');
  put('script.post.promotion', '');
  put('script.resumed', '');
  put('script.db.failure', '');
  put('script.primary.isolated', '');
  put('script.remote.pre.promotion', '');
  put('script.remote.post.promotion', '');
  put('script.custom.monitor', '');
  put('custom.monitor.interval', '');
  put('custom.monitor.timeout', '');
  put('custom.monitor.safe.mode', '');
  put('sudo.command', 'sudo');
  put('sudo.user.command', 'sudo -u %u');
  put('lock.dir', '');
  put('log.dir', '');
  // With a log server, agents log through the local syslog, which forwards there.
  put('syslog.host', syslog ? instance.name : 'localhost');
  put('syslog.port', '514');
  put('syslog.protocol', 'UDP');
  put('syslog.facility', 'LOCAL1');
  put('file.log.enabled', 'true');
  put('syslog.enabled', syslog ? 'true' : 'false');
  put('jgroups.loglevel', 'INFO');
  put('efm.loglevel', 'INFO');
  put('jdbc.loglevel', 'INFO');
  put('jvm.options', '-Xmx128m');

  // Every efm_conf_settings key wins, known or not (unknown ones are warned about).
  for (const [key, value] of settings.entries) properties.set(key, value);

  return { properties, leftOut, warnings: settings.warnings };
}

/** The properties with sensitive values masked, for diffs and logs. */
export function redactedProperties(properties: ReadonlyMap<string, string>): Map<string, string> {
  return new Map(
    [...properties].map(([k, v]) => [k, EFM_SENSITIVE_PROPERTIES.includes(k) && v !== '' ? '[redacted]' : v]),
  );
}
