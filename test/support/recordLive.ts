/**
 * Records what real hosts answer to m1's live readings, as fixtures for the
 * parsers' tests: every fact that applies to each host of a deployed cluster,
 * read with the command m1 runs, saved as the host printed it to
 * test/fixtures/live/<scenario>/<host>.txt.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCluster, runOn } from '../../playbooks/operate/cluster.js';
import { probeSpec } from '../../playbooks/operate/probe/spec.js';
import { buildReadingCommand, type Reading } from '../../src/live/reading.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { memory } from '../../src/live/facts/memory.js';
import { dataDirVersion } from '../../src/live/facts/dataDirVersion.js';
import { serverPackage } from '../../src/live/facts/serverPackage.js';
import { units } from '../../src/live/facts/units.js';
import { confFiles } from '../../src/live/facts/confFiles.js';
import { pgNode } from '../../src/live/facts/pgNode.js';
import { walReceiver } from '../../src/live/facts/walReceiver.js';
import { replication } from '../../src/live/facts/replication.js';
import { slots } from '../../src/live/facts/slots.js';
import { repmgrNodes } from '../../src/live/facts/repmgrNodes.js';
import { repmgrd } from '../../src/live/facts/repmgrd.js';
import { repmgrClusterShow } from '../../src/live/facts/repmgrClusterShow.js';
import { patroniCluster, patroniSelf } from '../../src/live/facts/patroniCluster.js';
import { pgbouncerDatabases } from '../../src/live/facts/pgbouncerDatabases.js';
import { barmanServerConf, barmanTargetState } from '../../src/live/facts/barmanServer.js';
import { barmanBackups } from '../../src/live/facts/barmanBackups.js';
import { barmanCheck } from '../../src/live/facts/barmanCheck.js';
import type { Fact } from '../../src/live/fact.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'live');

/** Everything m1 reads on this host. */
export function fullReading(cluster: Cluster, i: Instance): Reading<Record<string, Fact<unknown>>> {
  const v = cluster.postgresVersion;
  const spec = probeSpec(cluster, i);
  const facts: Record<string, Fact<unknown>> = { memory, units: units(spec.units) };
  if (spec.postgres) {
    Object.assign(facts, {
      dataDirVersion: dataDirVersion('/opt/postgres/data'),
      serverPackage: serverPackage(`postgresql-${v}`, { candidate: true }),
      confFiles: confFiles('/opt/postgres/data/conf.d', ['0000-tpa.conf', '0001-tpa_restart.conf', '9900-postgres_conf_settings.conf']),
      node: pgNode,
      receiver: walReceiver,
      replication,
      slots,
    });
  }
  if (spec.repmgr) Object.assign(facts, { repmgrNodes, repmgrd, repmgrShow: repmgrClusterShow(`/usr/lib/postgresql/${v}/bin/repmgr`, `/etc/repmgr/${v}/repmgr.conf`) });
  if (spec.patroniApi) Object.assign(facts, { patroniCluster: patroniCluster(spec.patroniApi), patroniSelf: patroniSelf(spec.patroniApi) });
  if (spec.pgbouncer) facts['pgbouncer'] = pgbouncerDatabases('/etc/pgbouncer/pgbouncer.databases.ini');
  for (const s of spec.barmanServers) {
    facts[`bconf_${s}`] = barmanServerConf(s, `/etc/barman.d/${s}.conf`);
    facts[`bstate_${s}`] = barmanTargetState(s, `/var/lib/m1/barman/${s}.target`);
    facts[`bbackups_${s}`] = barmanBackups(s, `/var/lib/barman/${s}`);
    facts[`bcheck_${s}`] = barmanCheck(s, `runuser -u barman -- /usr/bin/barman check ${s}`);
  }
  return {
    facts,
    ...(spec.postgres || spec.patroniApi ? { postgres: { bin: `/usr/lib/postgresql/${v}/bin`, socketDir: '/var/run/postgresql', port: 5432, dataDir: '/opt/postgres/data' } } : {}),
  };
}

/** Reads every host of the cluster in `dir` and writes <scenario>/<host>.txt; returns the files written. */
export async function recordLive(dir: string, scenario: string, hosts?: readonly string[]): Promise<string[]> {
  const oc = await openCluster(dir);
  const out = join(FIXTURES, scenario);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  try {
    for (const i of oc.cluster.instances) {
      if (hosts && !hosts.includes(i.name)) continue;
      const r = await runOn(oc.connectors, i.name, buildReadingCommand(fullReading(oc.cluster, i)));
      if (!r.ok) throw new Error(`${i.name}: ${r.error}`);
      const file = join(out, `${i.name}.txt`);
      await writeFile(file, r.result.stdout);
      written.push(file);
    }
  } finally {
    await oc.close();
  }
  return written;
}
