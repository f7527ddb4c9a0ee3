/**
 * The ONE reading of a host for status, switchover and test: the src/live
 * facts its spec asks for (services, m1's server, repmgr's, Patroni's or
 * EFM's view, PgBouncer's target, Barman's servers), as one command.
 * Read-only: it changes nothing on the host.
 */
import { binDir } from '../../../src/products/postgres/layout.js';
import { repmgrConfPath } from '../../../src/products/repmgr/layout.js';
import { DATABASES_INI } from '../../../src/products/pgbouncer/layout.js';
import { BARMAN_HOME, serverConfPath } from '../../../src/products/barman/layout.js';
import { asBarman, barmanCmd } from '../../../src/products/barman/commands.js';
import { targetStatePath } from '../../../roles/barman/role.js';
import type { Fact } from '../../../src/live/fact.js';
import { buildReadingCommand, type Reading } from '../../../src/live/reading.js';
import { postgresPlace, serverFacts } from '../../../src/live/server.js';
import { units } from '../../../src/live/facts/units.js';
import { replication } from '../../../src/live/facts/replication.js';
import { slots } from '../../../src/live/facts/slots.js';
import { rewoundWal } from '../../../src/live/facts/rewoundWal.js';
import { REWOUND_WAL_DIR } from '../../../src/products/repmgr/rewindReport.js';
import { repmgrNodes } from '../../../src/live/facts/repmgrNodes.js';
import { repmgrd } from '../../../src/live/facts/repmgrd.js';
import { repmgrClusterShow } from '../../../src/live/facts/repmgrClusterShow.js';
import { patroniCluster, patroniSelf } from '../../../src/live/facts/patroniCluster.js';
import { efmClusterStatus } from '../../../src/live/facts/efmClusterStatus.js';
import { pgbouncerDatabases } from '../../../src/live/facts/pgbouncerDatabases.js';
import { barmanServerConf, barmanTargetState } from '../../../src/live/facts/barmanServer.js';
import { barmanBackups } from '../../../src/live/facts/barmanBackups.js';
import { barmanCheck } from '../../../src/live/facts/barmanCheck.js';
import type { ProbeSpec } from './spec.js';

/** The reading's facts by name; per Barman server `<kind>:<server>`. */
export type ProbeFacts = Record<string, Fact<unknown>>;

export function probeReading(spec: ProbeSpec): Reading<ProbeFacts> {
  const facts: ProbeFacts = { units: units(spec.units) };
  if (spec.postgres) Object.assign(facts, serverFacts, { replication, slots, rewoundWal: rewoundWal(REWOUND_WAL_DIR) });
  if (spec.repmgr) {
    Object.assign(facts, { repmgrNodes, repmgrd, repmgrShow: repmgrClusterShow(`${binDir(spec.version)}/repmgr`, repmgrConfPath(spec.version)) });
  }
  if (spec.patroniApi !== undefined) Object.assign(facts, { patroniCluster: patroniCluster(spec.patroniApi), patroniSelf: patroniSelf(spec.patroniApi) });
  if (spec.efm) facts['efm'] = efmClusterStatus(spec.efm.bin, spec.efm.cluster);
  if (spec.pgbouncer) facts['pgbouncer'] = pgbouncerDatabases(DATABASES_INI);
  for (const s of spec.barmanServers) {
    facts[`bconf:${s}`] = barmanServerConf(s, serverConfPath(s));
    facts[`bstate:${s}`] = barmanTargetState(s, targetStatePath(s));
    facts[`bbackups:${s}`] = barmanBackups(s, `${BARMAN_HOME}/${s}`);
    if (spec.barmanCheck) facts[`bcheck:${s}`] = barmanCheck(s, asBarman(barmanCmd('check', s)));
  }
  return { facts, ...(spec.postgres ? { postgres: postgresPlace(spec.version) } : {}), ...(spec.boundS !== undefined ? { boundS: spec.boundS } : {}) };
}

export function buildProbeCommand(spec: ProbeSpec): string {
  return buildReadingCommand(probeReading(spec));
}
