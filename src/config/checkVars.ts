/**
 * config.yml's variables against their specs (variables.ts): each value by
 * itself where it is written (cluster_vars, instance_defaults.vars, an
 * instance's vars), then the rules between values (two ports that must
 * differ, names that must not collide), on each instance's merged view.
 * Every problem is returned, none thrown, so the loader reports them all.
 */
import { hasRole, type FailoverManagerName, type Instance, type Vars } from '../inventory/cluster.js';
import type { IndexedInstance } from './checks.js';
import type { YamlPath } from './source.js';
import { closest } from './suggest.js';
import { VARIABLES, VARIABLE_NAMES, isVariableName, variableSpec, type VariableName } from './variables.js';

export interface VarFinding {
  path: YamlPath;
  message: string;
}

/** Parsed by load.ts itself, with messages of their own. */
const LOADER_PARSES: ReadonlySet<string> = new Set(['failover_manager', 'postgres_version', 'postgres_flavour']);

/**
 * One `vars` mapping (cluster_vars when `inInstance` is false). Errors: values
 * their spec refuses. Warnings: a name one typo from a known one; a
 * cluster-wide variable set on an instance, where m1 never reads it.
 */
export function checkVarsMapping(path: YamlPath, vars: Vars, inInstance: boolean): { errors: VarFinding[]; warnings: VarFinding[] } {
  const errors: VarFinding[] = [];
  const warnings: VarFinding[] = [];
  for (const [key, value] of Object.entries(vars)) {
    if (!isVariableName(key)) {
      const near = closest(key, VARIABLE_NAMES, 1);
      if (near) warnings.push({ path: [...path, key], message: `unknown variable (did you mean "${near}"?)` });
      continue;
    }
    const spec = variableSpec(key);
    if (inInstance && spec.read && spec.scope === 'cluster') {
      warnings.push({ path: [...path, key], message: 'm1 reads this from cluster_vars only; here it has no effect (move it to cluster_vars)' });
      continue;
    }
    if (value === null || value === undefined || (!inInstance && LOADER_PARSES.has(key))) continue;
    const r = spec.parse(value);
    if (!r.ok) for (const p of r.problems) errors.push({ path: [...path, key, ...p.path], message: p.message });
  }
  return { errors, warnings };
}

/** Where an instance's merged value of `key` was written; undefined when unset. */
export function varPath(e: IndexedInstance, key: string, clusterVars: Vars, instanceDefaultsVars: Vars): YamlPath | undefined {
  const set = (m: Vars | undefined) => m !== undefined && Object.hasOwn(m, key) && m[key] !== null && m[key] !== undefined;
  if (set(e.instance.ownVars)) return ['instances', e.index, 'vars', key];
  if (set(instanceDefaultsVars)) return ['instance_defaults', 'vars', key];
  if (set(clusterVars)) return ['cluster_vars', key];
  return undefined;
}

/** A variable's value as an instance reads it, or its default; undefined when it does not parse (already reported). */
function effective<K extends VariableName>(instance: Instance | undefined, clusterVars: Vars, key: K): unknown {
  const spec = variableSpec(key);
  const own = instance && spec.scope === 'host' ? instance.vars[key] : undefined;
  const raw = own ?? clusterVars[key];
  if (raw === undefined || raw === null) return VARIABLES[key].default;
  const r = spec.parse(raw);
  return r.ok ? r.value : undefined;
}

/** The rules between values; `all` are the instances that could be modelled. */
export function checkVarRelations(all: IndexedInstance[], clusterVars: Vars, instanceDefaultsVars: Vars, failoverManager?: FailoverManagerName): VarFinding[] {
  const out: VarFinding[] = [];
  const at = (e: IndexedInstance | undefined, key: string, message: string): void => {
    const path = e ? varPath(e, key, clusterVars, instanceDefaultsVars) : Object.hasOwn(clusterVars, key) ? ['cluster_vars', key] : undefined;
    out.push({ path: path ?? (e ? ['instances', e.index] : ['cluster_vars']), message });
  };

  // etcd refuses to start when election-timeout < 5 × heartbeat-interval.
  const heartbeat = effective(undefined, clusterVars, 'etcd_heartbeat_interval');
  const election = effective(undefined, clusterVars, 'etcd_election_timeout');
  if (typeof heartbeat === 'number' && typeof election === 'number' && election < 5 * heartbeat) {
    at(undefined, Object.hasOwn(clusterVars, 'etcd_election_timeout') ? 'etcd_election_timeout' : 'etcd_heartbeat_interval',
      `etcd_election_timeout (${election}) must be at least 5 × etcd_heartbeat_interval (${heartbeat}); 10 × is recommended`);
  }

  // Synchronous replication needs someone to keep synchronous_standby_names: Patroni, or m1's fence with repmgr.
  const sync = effective(undefined, clusterVars, 'synchronous_replication');
  if (sync !== undefined && sync !== 'off') {
    if (failoverManager === 'efm') at(undefined, 'synchronous_replication', `${String(sync)} is not available with EFM in m1 (EFM would need its own settings); set it to off`);
    if (failoverManager === 'repmgr') {
      const dataNodes = all.filter((e) => hasRole(e.instance, 'primary') || hasRole(e.instance, 'replica')).length;
      const voters = all.filter((e) => hasRole(e.instance, 'primary') || hasRole(e.instance, 'replica') || hasRole(e.instance, 'witness')).length;
      if (effective(undefined, clusterVars, 'repmgr_fence') === false) at(undefined, 'synchronous_replication', `${String(sync)} needs repmgr_fence: true (m1's fence keeps synchronous_standby_names with repmgr)`);
      else if (voters < 3 || dataNodes < 2) at(undefined, 'synchronous_replication', `${String(sync)} needs m1's fence, which needs three voters (data nodes and witness) and a replica; add a witness or set it to off`);
    }
  }

  // HAProxy's three ports are three listeners.
  for (const e of all) {
    if (!hasRole(e.instance, 'haproxy')) continue;
    const write = effective(e.instance, clusterVars, 'haproxy_port');
    const read = effective(e.instance, clusterVars, 'haproxy_read_only_port');
    const stats = effective(e.instance, clusterVars, 'haproxy_stats_port');
    if (read !== undefined && read === write) at(e, 'haproxy_read_only_port', `${String(read)} is haproxy_port too; the two must differ`);
    if (stats !== undefined && (stats === write || stats === read)) at(e, 'haproxy_stats_port', `${String(stats)} is also haproxy_port or haproxy_read_only_port; it must differ from both`);
  }

  // A database's owner must exist when the database is created: postgres or one of postgres_users.
  const users = effective(undefined, clusterVars, 'postgres_users');
  const databases = effective(undefined, clusterVars, 'postgres_databases');
  if (Array.isArray(databases) && (users === undefined || Array.isArray(users))) {
    const known = new Set(['postgres', ...((users ?? []) as { username: string }[]).map((u) => u.username)]);
    (databases as { name: string; owner: string }[]).forEach((d, k) => {
      if (!known.has(d.owner)) out.push({ path: ['cluster_vars', 'postgres_databases', k, 'owner'], message: `${d.owner} is neither postgres nor one of postgres_users` });
    });
  }

  // One name, one address in /etc/hosts: an alias may not be another instance's name or another instance's alias.
  const owner = new Map<string, IndexedInstance>();
  for (const e of all) owner.set(e.instance.name, e);
  for (const e of all) {
    const aliases = effective(e.instance, clusterVars, 'hostname_aliases');
    if (!Array.isArray(aliases)) continue;
    for (const alias of aliases as string[]) {
      const other = owner.get(alias);
      if (other === undefined) owner.set(alias, e);
      else if (other !== e) {
        const what = other.instance.name === alias ? 'the name of' : 'already an alias of';
        at(e, 'hostname_aliases', `"${alias}" is ${what} ${other.instance.name}; /etc/hosts would give one name two addresses`);
      }
    }
  }
  return out;
}
