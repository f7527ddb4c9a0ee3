/**
 * The packages of a Patroni cluster's own roles (etcd, Patroni, HAProxy) for
 * one host, installed in the playbook's first stage beside the common role's,
 * on every host at once: installed later, stage by stage, they cost one apt
 * run after another (measured on fresh hosts: etcd 17 s, Patroni 9 s on the
 * primary then 9 s on the replicas, HAProxy 25 s, one after the other). The
 * roles still list their packages, so each stands alone; here they are
 * already installed and cost one dpkg status read.
 */
import type { DeployContext } from '../context.js';
import { defineRole, packages, type Role } from '../../src/engine/index.js';
import { hasRole, instanceByName, type Instance } from '../../src/inventory/cluster.js';
import { ETCD_PACKAGES } from '../../src/products/etcd/environment.js';
import { HAPROXY_PACKAGES } from '../../src/products/haproxy/config.js';
import { PATRONI_PACKAGES } from '../../src/products/patroni/settings.js';

/** The packages by group (the names `--skip-packages` takes). */
export function patroniClusterPackages(instance: Instance, skip: ReadonlySet<string> = new Set()): string[] {
  const names: string[] = [];
  const add = (group: string, list: readonly string[]) => {
    if (skip.has(group)) return;
    for (const n of list) if (!names.includes(n)) names.push(n);
  };
  if (hasRole(instance, 'etcd')) add('etcd', ETCD_PACKAGES);
  if (hasRole(instance, 'primary') || hasRole(instance, 'replica')) add('patroni', PATRONI_PACKAGES);
  if (hasRole(instance, 'haproxy')) add('haproxy', HAPROXY_PACKAGES);
  return names;
}

export function patroniPackagesRole(ctx: DeployContext): Role {
  return defineRole('patroni cluster packages', (h) => {
    const names = patroniClusterPackages(instanceByName(ctx.cluster, h.host)!, ctx.skipPackages);
    return [packages({ names, when: names.length > 0 })];
  });
}
