/**
 * What the settings m1 is about to write take on each running server,
 * decided before the run from the conf.d files as they are (gather.ts) and as
 * they will be (roles/postgres/settings.ts): nothing, a reload (done by the
 * postgres role's handler), or a restart, done once per host in a final
 * serial stage: replicas before the primary, or the primary first when a
 * setting standbys must not run lower than their primary is lowered.
 */
import type { Cluster } from '../../src/inventory/cluster.js';
import { instanceByName, runsPostgres } from '../../src/inventory/cluster.js';
import { effectivePrimary, type LiveState } from '../../src/inventory/liveTopology.js';
import { parseConfFile, planSettingsChange, type SettingsChange } from '../../src/products/postgres/gucContext.js';
import { confDFiles } from '../../src/products/postgres/settings.js';
import type { GatheredHost } from './gather.js';
import { PLANNED_CONF_FILES } from './gather.js';

export interface HostSettingsPlan {
  host: string;
  change: SettingsChange;
}

export interface SettingsPlan {
  /** Per running Postgres host whose settings change. */
  hosts: HostSettingsPlan[];
  /** Hosts to restart, in order. */
  restartOrder: string[];
  /** Problems that make a safe order impossible (one change lowers and raises). */
  problems: string[];
}

function merged(files: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  // Later files win, as PostgreSQL reads conf.d in name order.
  for (const f of PLANNED_CONF_FILES) {
    const text = files[f];
    if (text !== undefined) Object.assign(out, parseConfFile(text));
  }
  return out;
}

/** The settings m1 will write on a host, merged in PostgreSQL's reading order; `managerLibraries`: the failover manager's preload libraries. */
export function wantedSettings(cluster: Cluster, host: string, memoryMb: number, managerLibraries: readonly string[]): Record<string, string> {
  const instance = instanceByName(cluster, host)!;
  const files: Record<string, string> = {};
  for (const f of confDFiles({ cluster, instance, memoryMb, managerLibraries })) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    files[name] = f.content;
  }
  return merged(files);
}

export function planSettings(cluster: Cluster, live: LiveState, gathered: Readonly<Record<string, GatheredHost | undefined>>, managerLibraries: readonly string[]): SettingsPlan {
  const plans: HostSettingsPlan[] = [];
  const problems: string[] = [];
  for (const i of cluster.instances) {
    const g = gathered[i.name];
    if (!g?.node || !runsPostgres(i, cluster.failoverManager)) continue;
    const change = planSettingsChange(merged(g.confFiles), wantedSettings(cluster, i.name, g.memoryMb, managerLibraries), cluster.postgresVersion);
    if (change.action === 'none') continue;
    plans.push({ host: i.name, change });
    if (change.problem) problems.push(`${i.name}: ${change.problem}`);
  }
  const primary = effectivePrimary(cluster, live);
  const restarting = plans.filter((p) => p.change.action === 'restart').map((p) => p.host);
  const primaryFirst = plans.some((p) => p.change.primaryFirst);
  const others = restarting.filter((h) => h !== primary);
  const restartOrder = restarting.includes(primary) ? (primaryFirst ? [primary, ...others] : [...others, primary]) : others;
  return { hosts: plans, restartOrder, problems };
}
