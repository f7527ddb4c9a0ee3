/**
 * Typed reads of the variables roles understand, from an instance's `vars`
 * (instance_defaults merged with the instance's own) falling back to
 * `cluster_vars`, as TPA's host vars win over group vars. A value of the
 * wrong type is a ConfigError naming config.yml and the key's path.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Cluster, Instance, Vars } from '../inventory/cluster.js';

export interface VarSource {
  value: unknown;
  /** YAML path of the value, for error messages. */
  path: string;
}

/** Where a variable is set: the instance's vars first, then cluster_vars; undefined when unset. */
export function findVar(cluster: Cluster, instance: Instance | undefined, key: string): VarSource | undefined {
  if (instance && Object.hasOwn(instance.vars, key) && instance.vars[key] !== undefined && instance.vars[key] !== null) {
    return { value: instance.vars[key], path: `instances[${instance.name}].vars.${key}` };
  }
  if (Object.hasOwn(cluster.clusterVars, key) && cluster.clusterVars[key] !== undefined && cluster.clusterVars[key] !== null) {
    return { value: cluster.clusterVars[key], path: `cluster_vars.${key}` };
  }
  return undefined;
}

export function varError(cluster: Cluster, path: string, message: string): ConfigError {
  return new ConfigError([{ file: join(cluster.dir, 'config.yml'), path, message }]);
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** A boolean; YAML booleans or the words Ansible accepts. Unset means `fallback`. */
export function boolVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback: boolean): boolean {
  const found = findVar(cluster, instance, key);
  if (!found) return fallback;
  const v = found.value;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && TRUE.has(v.toLowerCase())) return true;
  if (typeof v === 'string' && FALSE.has(v.toLowerCase())) return false;
  throw varError(cluster, found.path, `expected true or false, got ${JSON.stringify(v)}`);
}

/** An integer within [min, max]. */
export function intVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const found = findVar(cluster, instance, key);
  if (!found) return fallback;
  const v = typeof found.value === 'string' && /^-?\d+$/.test(found.value) ? Number(found.value) : found.value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw varError(cluster, found.path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(found.value)}`);
  }
  return v;
}

export function stringVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback: string): string;
export function stringVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback?: string): string | undefined;
export function stringVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback?: string): string | undefined {
  const found = findVar(cluster, instance, key);
  if (!found) return fallback;
  if (typeof found.value === 'number') return String(found.value);
  if (typeof found.value !== 'string') throw varError(cluster, found.path, `expected a string, got ${JSON.stringify(found.value)}`);
  return found.value;
}

/** A list of strings; a single string counts as a one-item list. */
export function stringListVar(cluster: Cluster, instance: Instance | undefined, key: string, fallback: string[]): string[] {
  const found = findVar(cluster, instance, key);
  if (!found) return fallback;
  const v = found.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw varError(cluster, found.path, `expected a list of strings, got ${JSON.stringify(v)}`);
}

/** A mapping; the instance's keys override cluster_vars' keys one by one (not the whole map). */
export function mergedMapVar(cluster: Cluster, instance: Instance | undefined, key: string): Vars {
  const out: Vars = {};
  const layers: [unknown, string][] = [[cluster.clusterVars[key], `cluster_vars.${key}`]];
  if (instance) layers.push([instance.vars[key], `instances[${instance.name}].vars.${key}`]);
  for (const [value, path] of layers) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw varError(cluster, path, `expected a mapping of name: value, got ${JSON.stringify(value)}`);
    Object.assign(out, value);
  }
  return out;
}
