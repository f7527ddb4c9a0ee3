/**
 * The property names EDB Failover Manager reads from `<cluster>.properties`,
 * with the EFM versions that know them. Used to warn about efm_conf_settings
 * keys EFM would not understand (before 5.1 EFM ignores them silently; from 5.1
 * it refuses to start) and to write only the keys the configured version knows.
 *
 * Source: the "cluster properties file" page of the EFM 4 and EFM 5 docs and
 * the EFM 5.0/5.1/5.2 release notes (see test/fixtures/efm/properties.json,
 * which the unit tests hold this list against).
 */
import { type EfmVersion, versionAtLeast, parseVersionText } from './version.js';

export interface KnownProperty {
  name: string;
  /** First EFM version that reads it. */
  since: string;
  /** First EFM version that no longer reads it (renamed/removed). */
  until?: string;
}

const P = (name: string, since = '4.0', until?: string): KnownProperty =>
  until === undefined ? { name, since } : { name, since, until };

export const KNOWN_PROPERTIES: readonly KnownProperty[] = [
  P('db.user'),
  P('db.password.encrypted'),
  P('db.port'),
  P('db.database'),
  P('script.db.password', '5.4'),
  P('script.db.password.retry', '5.4'),
  P('script.db.password.encrypted', '5.4'),
  P('db.service.owner'),
  P('db.service.name'),
  P('db.bin'),
  P('db.data.dir'),
  P('db.config.dir'),
  P('jdbc.sslmode'),
  P('jdbc.properties'),
  P('user.email'),
  P('from.email'),
  P('notification.level'),
  P('notification.text.prefix'),
  P('script.notification'),
  P('bind.address'),
  P('external.address'),
  P('admin.port'),
  P('primary.health.check.port', '5.4'),
  P('is.witness'),
  P('local.period'),
  P('local.timeout'),
  P('local.timeout.final'),
  P('remote.timeout'),
  P('node.timeout'),
  P('encrypt.agent.messages'),
  P('enable.stop.cluster', '4.2'),
  P('stop.isolated.primary'),
  P('stop.failed.primary'),
  P('primary.shutdown.as.failure'),
  P('update.physical.slots.period'),
  P('ping.server.ip'),
  P('ping.server.command'),
  P('auto.allow.hosts'),
  P('stable.nodes.file'),
  P('db.reuse.connection.count'),
  P('auto.failover'),
  P('auto.reconfigure'),
  P('auto.rewind', '5.1'),
  P('auto.basebackup', '5.2'),
  P('promotable'),
  P('use.replay.tiebreaker'),
  P('standby.restart.delay'),
  P('application.name'),
  P('restore.command'),
  P('backup.wal', '5.0'),
  P('reconfigure.num.sync'),
  P('reconfigure.num.sync.max', '4.1'),
  P('reconfigure.sync.primary'),
  P('check.num.sync.period', '5.0'),
  P('minimum.standbys'),
  P('priority.standbys', '4.2'),
  P('recovery.check.period'),
  P('restart.connection.timeout'),
  P('auto.resume.period', '4.0', '5.0'),
  P('auto.resume.startup.period', '5.0'),
  P('auto.resume.failure.period', '5.0'),
  P('virtual.ip'),
  P('virtual.ip.interface'),
  P('virtual.ip.prefix'),
  P('virtual.ip.single'),
  P('check.vip.before.promotion'),
  P('check.vip.timeout', '5.1'),
  P('release.vip.background', '5.1'),
  P('release.vip.pre.wait', '5.1'),
  P('release.vip.post.wait', '5.1'),
  P('pgpool.enable', '4.1'),
  P('pcp.user', '4.1'),
  P('pcp.host', '4.1'),
  P('pcp.port', '4.1'),
  P('pcp.pass.file', '4.1'),
  P('pgpool.bin', '4.1'),
  P('script.load.balancer.attach'),
  P('script.load.balancer.detach'),
  P('detach.on.agent.failure', '4.2'),
  P('script.fence'),
  P('script.post.promotion'),
  P('script.resumed'),
  P('script.db.failure'),
  P('script.primary.isolated'),
  P('script.remote.pre.promotion'),
  P('script.remote.post.promotion'),
  P('script.custom.monitor'),
  P('custom.monitor.interval'),
  P('custom.monitor.timeout'),
  P('custom.monitor.safe.mode'),
  P('sudo.command'),
  P('sudo.user.command'),
  P('lock.dir'),
  P('pid.dir', '5.0'),
  P('log.dir'),
  P('syslog.host'),
  P('syslog.port'),
  P('syslog.protocol'),
  P('syslog.facility'),
  P('file.log.enabled'),
  P('syslog.enabled'),
  P('jgroups.loglevel'),
  P('efm.loglevel'),
  P('jdbc.loglevel', '5.1'),
  P('jvm.options'),
];

const BY_NAME = new Map(KNOWN_PROPERTIES.map((p) => [p.name, p]));

export function knownProperty(name: string): KnownProperty | undefined {
  return BY_NAME.get(name);
}

/** True when EFM `version` reads the property `name`. */
export function isPropertyOf(name: string, version: EfmVersion): boolean {
  const p = BY_NAME.get(name);
  if (!p) return false;
  if (!versionAtLeast(version, parseVersionText(p.since))) return false;
  return p.until === undefined || !versionAtLeast(version, parseVersionText(p.until));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The known property `name` was most likely meant as, for "did you mean":
 * separators are compared loosely (virtual_ip ~ virtual.ip) and only close
 * names are offered. Properties of `version` are preferred.
 */
export function closestProperty(name: string, version: EfmVersion): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '.');
  const wanted = norm(name);
  let best: { name: string; score: number } | undefined;
  for (const p of KNOWN_PROPERTIES) {
    if (p.name === name) continue;
    // A property of another EFM version only wins when strictly closer.
    const score = editDistance(wanted, p.name) + (isPropertyOf(p.name, version) ? 0 : 0.5);
    if (!best || score < best.score) best = { name: p.name, score };
  }
  if (!best) return undefined;
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return best.score <= limit ? best.name : undefined;
}
