/**
 * From what each host's server said (src/live/server.ts, read by deploy and
 * status alike) to the live topology the roles act
 * on: who answers as primary now, who streams from whom (as instance names).
 * Never repairs anything: differences from config.yml become warnings.
 */
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { hasRole } from '../../src/inventory/cluster.js';
import { configuredPrimary, topologyDrift, type LiveState } from '../../src/inventory/liveTopology.js';
import type { HostLiveFacts } from '../../roles/context.js';
import { choosePrimary } from '../../src/live/primary.js';
import { upstreamHost, type ServerState } from '../../src/live/server.js';

/** A data node: the hosts whose being out of recovery makes them primary (not a witness's own server). */
function isDataNode(i: Instance): boolean {
  return hasRole(i, 'primary') || hasRole(i, 'replica');
}

/** The instance a WAL receiver's host (a name, an address, or name.domain) stands for. */
export function instanceForHost(cluster: Cluster, host: string, addresses: Readonly<Record<string, string>> = {}): string | undefined {
  const h = host.trim().toLowerCase();
  for (const i of cluster.instances) {
    if (i.name.toLowerCase() === h || h.startsWith(`${i.name.toLowerCase()}.`)) return i.name;
    if (i.ipAddress === h || addresses[i.name] === h) return i.name;
  }
  return undefined;
}

/** `s` undefined: the host did not answer. */
export function hostLiveFacts(cluster: Cluster, s: ServerState | undefined, addresses: Readonly<Record<string, string>> = {}): HostLiveFacts {
  if (!s) return { reachable: false, postgresRunning: false, dataDirInitialised: false };
  const n = s.node;
  const f: HostLiveFacts = { reachable: true, postgresRunning: n !== undefined, dataDirInitialised: s.dataDirVersion !== undefined };
  if (n) {
    f.inRecovery = n.inRecovery;
    const up = upstreamHost(s);
    if (up) {
      f.upstream = instanceForHost(cluster, up, addresses) ?? up;
      f.streaming = s.receiver?.senderHost !== undefined;
    }
    if (n.systemIdentifier) f.systemIdentifier = n.systemIdentifier;
    if (n.timeline !== undefined) f.timeline = n.timeline;
  }
  return f;
}

const timelineOf = (f: HostLiveFacts | undefined) => (f?.timeline !== undefined ? { timeline: f.timeline } : {});

export interface LiveTopology {
  live: LiveState;
  /** One line each: drift from config.yml, several primaries, unknown upstreams. */
  warnings: string[];
}

/**
 * The live primary is the data node whose Postgres runs out of recovery. With
 * several (split brain: typically a failed primary restarted after a
 * failover), src/live/primary.ts chooses: the newest LIVE timeline (never
 * pg_control's, which lags after a promotion), then config.yml's primary,
 * then the lowest-numbered; either way it is said loudly and nobody is
 * demoted.
 */
export function liveTopology(cluster: Cluster, hosts: Readonly<Record<string, HostLiveFacts>>): LiveTopology {
  const warnings: string[] = [];
  const primaries = cluster.instances.filter((i) => isDataNode(i) && hosts[i.name]?.postgresRunning && hosts[i.name]?.inRecovery === false);
  let primary: string | undefined;
  if (primaries.length === 1) primary = primaries[0]!.name;
  else if (primaries.length > 1) {
    const configured = configuredPrimary(cluster).name;
    primary = choosePrimary(primaries.map((i) => ({ name: i.name, node: i.node, configured: i.name === configured, ...timelineOf(hosts[i.name]) })))!;
    warnings.push(
      `several hosts run as primary: ${primaries.map((p) => `${p.name} (timeline ${hosts[p.name]?.timeline ?? '?'})`).join(', ')}; ` +
        `treating ${primary} as the primary; stop the others (sudo systemctl stop postgres there: m1's fence keeps a former primary down) ` +
          `and deploy again, which rejoins them as standbys (repmgr node rejoin --force-rewind)`,
    );
  }
  const upstreams: Record<string, string> = {};
  const rejoined: Record<string, string> = {};
  for (const i of cluster.instances) {
    const f = hosts[i.name];
    // Deploy rejoins it as the primary's standby (rewound): it will stream from the primary, whatever it names now.
    if (primary !== undefined && f?.rejoin !== undefined) {
      rejoined[i.name] = primary;
      continue;
    }
    if (!isDataNode(i) || !f?.postgresRunning || !f.inRecovery || !f.upstream) continue;
    if (f.streaming === false && hosts[f.upstream]?.postgresRunning === false) {
      // A standby whose upstream died (a failed primary) and that repmgrd has not moved yet still names it
      // in primary_conninfo: that is no upstream to register it under or to point it at.
      warnings.push(`${i.name} does not stream: its primary_conninfo names ${f.upstream}, whose Postgres does not run`);
      continue;
    }
    if (cluster.instances.some((x) => x.name === f.upstream)) upstreams[i.name] = f.upstream;
    else warnings.push(`${i.name} streams from ${f.upstream}, which is not a host of this cluster`);
  }
  warnings.push(...topologyDrift(cluster, { primary, upstreams }));
  return { live: { primary, upstreams: { ...upstreams, ...rejoined } }, warnings };
}
