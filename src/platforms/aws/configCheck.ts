/**
 * What `m1 validate` says about an aws cluster's platform keys before any
 * call to AWS: the problems provision would stop on (awsSpecOf: ec2_vpc,
 * ec2_ami, locations' region, az and subnet, cluster_rules, instance types
 * and volumes), and a warning for a rule that opens SSH to the whole
 * internet. Pure; loads no AWS SDK.
 */
import type { ConfigProblem } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { sshWarnings } from './securityGroup.js';
import { awsSpecOf } from './spec.js';

export function awsConfigCheck(cluster: Cluster): { problems: ConfigProblem[]; warnings: string[] } {
  const { spec, problems } = awsSpecOf(cluster);
  return { problems, warnings: spec ? sshWarnings(spec.rules) : [] };
}
