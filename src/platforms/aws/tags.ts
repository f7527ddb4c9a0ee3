/**
 * The tag that marks what m1 made for a cluster: every resource provision
 * creates carries `m1:cluster=<cluster>` (and a Name), and deprovision
 * removes only resources that carry it. A VPC or gateway that was there
 * before (TPA's shared VPC "Test", say) is used, never tagged, never removed.
 */
export const CLUSTER_TAG = 'm1:cluster';

export interface Tag {
  Key: string;
  Value: string;
}

export type TaggedResource = 'vpc' | 'subnet' | 'internet-gateway' | 'route-table' | 'security-group' | 'key-pair' | 'instance' | 'volume';

/** Name, the cluster tag, then the config's own tags (cluster_tags, the instance's tags); m1's two win. */
export function tagsFor(cluster: string, name: string, extra: Record<string, string> = {}): Tag[] {
  const own = Object.entries(extra).filter(([k]) => k !== 'Name' && k !== CLUSTER_TAG);
  return [{ Key: 'Name', Value: name }, { Key: CLUSTER_TAG, Value: cluster }, ...own.map(([Key, Value]) => ({ Key, Value }))];
}

export function tagSpecification(type: TaggedResource, tags: Tag[]) {
  return { ResourceType: type, Tags: tags };
}

/** The Describe* filter for what carries the cluster's tag. */
export function clusterFilter(cluster: string) {
  return { Name: `tag:${CLUSTER_TAG}`, Values: [cluster] };
}

export function isOurs(tags: { Key?: string; Value?: string }[] | undefined, cluster: string): boolean {
  return (tags ?? []).some((t) => t.Key === CLUSTER_TAG && t.Value === cluster);
}

export function nameTag(tags: { Key?: string; Value?: string }[] | undefined): string | undefined {
  return (tags ?? []).find((t) => t.Key === 'Name')?.Value;
}

/** Names of the per-cluster resources: the security group and the key pair. */
export const groupName = (cluster: string) => `m1-${cluster}`;
export const keyPairName = (cluster: string) => `m1-${cluster}`;
