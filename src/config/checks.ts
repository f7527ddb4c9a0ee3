/**
 * Checks across instances (the shape of each one is checked while loading):
 * unique names and node numbers, upstream and backup references, cycles,
 * exactly one primary, roles that need a failover manager, locations.
 */
import type { ConfigProblem } from '../errors.js';
import { hasRole, type FailoverManagerName, type Instance, type Role } from '../inventory/cluster.js';
import { didYouMean } from './suggest.js';
import type { YamlPath } from './source.js';

/** An instance and its position in config.yml's `instances` list. */
export interface IndexedInstance {
  index: number;
  instance: Instance;
}

export interface CheckContext {
  failoverManager?: FailoverManagerName;
  locations: string[];
  /** Names of instances too broken to model (already reported): references to them are not errors. */
  unparsedNames?: ReadonlySet<string>;
  /** False when some instance could not be modelled: whole-cluster checks (one primary...) are skipped. */
  complete?: boolean;
  problem: (path: YamlPath, message: string) => ConfigProblem;
}

const POSTGRES_ROLES: Role[] = ['primary', 'replica'];

/** Roles that only make sense with one failover manager. */
const ROLE_NEEDS: Partial<Record<Role, FailoverManagerName[]>> = {
  etcd: ['patroni'],
  haproxy: ['patroni'],
  witness: ['repmgr', 'efm'],
};

function describeRoles(i: Instance): string {
  return `role ${i.roles.join(', ')}`;
}

export function checkInstances(all: IndexedInstance[], ctx: CheckContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (e: IndexedInstance, key: string | (string | number)[], message: string): void => {
    const tail = Array.isArray(key) ? key : [key];
    problems.push(ctx.problem(['instances', e.index, ...tail], message));
  };
  const byName = new Map<string, IndexedInstance>();
  const byNode = new Map<number, IndexedInstance>();
  for (const e of all) {
    const { name, node } = e.instance;
    const sameName = byName.get(name);
    if (sameName) at(e, 'Name', `"${name}" is already the name of instances[${sameName.index}]; names must be unique`);
    else byName.set(name, e);
    const sameNode = byNode.get(node);
    if (sameNode) {
      at(e, 'node', `${node} is already the node of instances[${sameNode.index}] (${sameNode.instance.name}); node numbers must be unique`);
    } else byNode.set(node, e);
  }
  const names = [...byName.keys()];
  const unparsed = ctx.unparsedNames ?? new Set<string>();
  const complete = ctx.complete !== false;

  // Locations.
  for (const e of all) {
    const loc = e.instance.location;
    if (!ctx.locations.includes(loc)) {
      at(e, 'location', `"${loc}" is not in locations${didYouMean(loc, ctx.locations)}; add {Name: ${loc}} to locations or fix the name`);
    }
  }

  // Exactly one primary.
  const primaries = all.filter((e) => hasRole(e.instance, 'primary'));
  if (primaries.length === 0 && complete && all.length > 0) {
    problems.push(ctx.problem(['instances'], 'no instance has role primary; an M1 cluster needs exactly one'));
  }
  for (const e of primaries.slice(1)) {
    at(e, 'role', `a second primary (instances[${primaries[0]!.index}] ${primaries[0]!.instance.name} is one already); an M1 cluster has exactly one`);
  }

  for (const e of all) {
    const i = e.instance;
    if (hasRole(i, 'primary') && hasRole(i, 'replica')) at(e, 'role', 'an instance cannot be both primary and replica');
    // Roles that need a failover manager that is not configured.
    if (ctx.failoverManager) {
      for (const role of i.roles) {
        const needs = ROLE_NEEDS[role];
        if (needs && !needs.includes(ctx.failoverManager)) {
          at(
            e,
            'role',
            `role ${role} needs failover_manager ${needs.join(' or ')}, but cluster_vars.failover_manager is ${ctx.failoverManager}`,
          );
        }
      }
    }

    // Upstream.
    const needsUpstream = hasRole(i, 'replica') || hasRole(i, 'witness');
    if (i.upstream === undefined) {
      if (needsUpstream && !hasRole(i, 'primary')) {
        const kind = hasRole(i, 'replica') ? 'a replica' : 'a witness';
        const hint = primaries[0] ? ` (e.g. upstream: ${primaries[0].instance.name})` : '';
        at(e, 'role', `${kind} needs an upstream: the instance it ${kind === 'a replica' ? 'streams from' : 'watches'}${hint}`);
      }
    } else if (i.upstream === i.name) {
      at(e, 'upstream', `"${i.upstream}" is this instance itself; name the instance it streams from`);
    } else {
      const up = byName.get(i.upstream);
      if (!up && unparsed.has(i.upstream)) {
        // Reported where that instance is.
      } else if (!up) {
        at(e, 'upstream', `"${i.upstream}" is not an instance${didYouMean(i.upstream, names)}`);
      } else if (!POSTGRES_ROLES.some((r) => hasRole(up.instance, r))) {
        at(e, 'upstream', `"${i.upstream}" is not a Postgres primary or replica (${describeRoles(up.instance)})`);
      } else if (hasRole(i, 'primary')) {
        at(e, 'upstream', `a primary streams from no one; remove upstream (or make this instance a replica)`);
      }
    }

    // Backup.
    if (i.backup !== undefined) {
      const b = byName.get(i.backup);
      if (!b && unparsed.has(i.backup)) {
        // Reported where that instance is.
      } else if (!b) at(e, 'backup', `"${i.backup}" is not an instance${didYouMean(i.backup, names)}`);
      else if (!hasRole(b.instance, 'barman')) {
        at(e, 'backup', `"${i.backup}" is not a barman instance (${describeRoles(b.instance)}); name an instance with role barman`);
      }
    }

    // Variables that name instances.
    const backend = i.ownVars?.pgbouncer_backend;
    if (typeof backend === 'string' && !byName.has(backend) && !unparsed.has(backend) && !/^[0-9.:]+$/.test(backend) && backend !== 'localhost') {
      at(e, ['vars', 'pgbouncer_backend'], `"${backend}" is not an instance${didYouMean(backend, names)}`);
    }
    const servers = i.ownVars?.haproxy_backend_servers;
    if (Array.isArray(servers)) {
      servers.forEach((s, k) => {
        if (typeof s === 'string' && !byName.has(s) && !unparsed.has(s)) {
          at(e, ['vars', 'haproxy_backend_servers', k], `"${s}" is not an instance${didYouMean(s, names)}`);
        }
      });
    }
  }

  // Upstream cycles: each reported once, on its first member in file order.
  const reported = new Set<string>();
  for (const e of all) {
    const seen: string[] = [];
    let cur: Instance | undefined = e.instance;
    while (cur && cur.upstream !== undefined && !seen.includes(cur.name)) {
      seen.push(cur.name);
      cur = byName.get(cur.upstream)?.instance;
    }
    if (!cur || !seen.includes(cur.name)) continue;
    const cycle = seen.slice(seen.indexOf(cur.name));
    const key = [...cycle].sort().join(' ');
    if (reported.has(key) || cycle.length < 2) continue;
    reported.add(key);
    const first = all.filter((x) => cycle.includes(x.instance.name)).sort((a, b) => a.index - b.index)[0]!;
    const start = cycle.indexOf(first.instance.name);
    const ordered = [...cycle.slice(start), ...cycle.slice(0, start), first.instance.name];
    at(first, 'upstream', `upstream cycle ${ordered.join(' -> ')}; one of them must stream from the primary`);
  }

  // Patroni needs its DCS.
  if (ctx.failoverManager === 'patroni' && complete && !all.some((e) => hasRole(e.instance, 'etcd'))) {
    problems.push(
      ctx.problem(['cluster_vars', 'failover_manager'], 'patroni needs etcd instances (role etcd, three of them usually); none is configured'),
    );
  }
  return problems;
}
