/**
 * Labels that mark a container or network as a cluster's: the cluster name
 * and the absolute directory it was provisioned from. Both must match for
 * provision to adopt it or deprovision to remove it.
 */
export const LABEL_CLUSTER = 'm1.cluster';
export const LABEL_CLUSTER_DIR = 'm1.cluster-dir';
export const LABEL_INSTANCE = 'm1.instance';
/** A digest of the docker settings (config.yml's docker keys) the container was created with. */
export const LABEL_SETTINGS = 'm1.settings';

export interface Owner {
  name: string;
  dir: string;
}

export function ownerLabels(owner: Owner): Record<string, string> {
  return { [LABEL_CLUSTER]: owner.name, [LABEL_CLUSTER_DIR]: owner.dir };
}

export type Ownership = 'ours' | 'same-name-other-dir' | 'foreign';

export function ownership(labels: Record<string, string> | undefined, owner: Owner): Ownership {
  if (!labels || labels[LABEL_CLUSTER] !== owner.name) return 'foreign';
  return labels[LABEL_CLUSTER_DIR] === owner.dir ? 'ours' : 'same-name-other-dir';
}

/** How to say who owns something, in a refusal. */
export function describeOwner(labels: Record<string, string> | undefined): string {
  const cluster = labels?.[LABEL_CLUSTER];
  if (!cluster) return 'it is not labelled as an m1 cluster';
  return `it belongs to m1 cluster ${cluster} (${labels?.[LABEL_CLUSTER_DIR] ?? 'unknown directory'})`;
}
