/**
 * Typed reads of config.yml's variables, the only way roles and product
 * code read them. Each name must be declared in variables.ts (an undeclared
 * one does not compile), each value is parsed by its spec and comes back in
 * the spec's type, with the spec's default when unset. `clusterVar` takes
 * only cluster-wide variables, `hostVar` only per-host ones, so a read also
 * says where the value may be set.
 *
 * The loader has already checked every value against the same specs, so a
 * parse failure here means a Cluster built in code; it is still a
 * ConfigError naming config.yml and the key's path.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Cluster, Instance } from '../inventory/cluster.js';
import { VARIABLES, variableSpec, type ClusterVariable, type HostVariable, type VariableName, type VariableValue } from './variables.js';

/** The parts of a Cluster variables are read from. */
export type VarsOf = Pick<Cluster, 'dir' | 'clusterVars'>;

export function varError(cluster: Pick<Cluster, 'dir'>, path: string, message: string): ConfigError {
  return new ConfigError([{ file: join(cluster.dir, 'config.yml'), path, message }]);
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function parsed<K extends VariableName>(cluster: VarsOf, key: K, raw: unknown, path: string): VariableValue<K> {
  const r = variableSpec(key).parse(raw);
  if (r.ok) return r.value as VariableValue<K>;
  const problems = r.problems.map((p) => ({
    file: join(cluster.dir, 'config.yml'),
    path: [path, ...p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))].join(''),
    message: p.message,
  }));
  throw new ConfigError(problems);
}

function fallback<K extends VariableName>(key: K): VariableValue<K> {
  const d = VARIABLES[key].default as unknown;
  // A fresh copy: a caller may not change the spec's list or mapping.
  return (Array.isArray(d) ? structuredClone(d) : d) as VariableValue<K>;
}

/** A cluster-wide variable from cluster_vars; its default when unset. */
export function clusterVar<K extends ClusterVariable>(cluster: VarsOf, key: K): VariableValue<K> {
  const raw = cluster.clusterVars[key];
  return isSet(raw) ? parsed(cluster, key, raw, `cluster_vars.${key}`) : fallback(key);
}

/**
 * A per-host variable: the instance's vars (instance_defaults' included)
 * first, then cluster_vars; its default when unset. Without an instance,
 * cluster_vars only.
 */
export function hostVar<K extends HostVariable>(cluster: VarsOf, instance: Instance | undefined, key: K): VariableValue<K> {
  const own = instance?.vars[key];
  if (instance && isSet(own)) return parsed(cluster, key, own, `instances[${instance.name}].vars.${key}`);
  const raw = cluster.clusterVars[key];
  return isSet(raw) ? parsed(cluster, key, raw, `cluster_vars.${key}`) : fallback(key);
}

/** One layer of a per-host variable, no fallback, no default: cluster_vars', or the instance's own (instance_defaults' included). */
export function hostVarLayer<K extends HostVariable>(cluster: VarsOf, layer: Instance | 'cluster_vars', key: K): VariableValue<K> | undefined {
  const raw = layer === 'cluster_vars' ? cluster.clusterVars[key] : layer.vars[key];
  if (!isSet(raw)) return undefined;
  return parsed(cluster, key, raw, layer === 'cluster_vars' ? `cluster_vars.${key}` : `instances[${layer.name}].vars.${key}`);
}

/** Per-host variables that are mappings: the ones merged key by key. */
type MapVariable = { [K in HostVariable]: NonNullable<VariableValue<K>> extends Record<string, unknown> ? K : never }[HostVariable];

/** A mapping variable with the instance's keys overriding cluster_vars' one by one (not the whole map); {} when unset. */
export function mergedHostMap<K extends MapVariable>(cluster: VarsOf, instance: Instance | undefined, key: K): NonNullable<VariableValue<K>> {
  const base = hostVarLayer(cluster, 'cluster_vars', key) ?? {};
  const own = instance ? (hostVarLayer(cluster, instance, key) ?? {}) : {};
  return { ...base, ...own } as NonNullable<VariableValue<K>>;
}
