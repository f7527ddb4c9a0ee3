/**
 * Where a bare host is reached: ip_address or vars.ansible_host, port
 * vars.ansible_port (22), login vars.ansible_user (root).
 */
import { join } from 'node:path';
import { hostVar } from '../../config/vars.js';
import { ConfigError, type ConfigProblem } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import type { SshTarget } from '../sshProbe.js';

export function bareTargets(cluster: Pick<Cluster, 'dir' | 'instances' | 'clusterVars'>): { targets: SshTarget[]; problems: ConfigProblem[] } {
  const targets: SshTarget[] = [];
  const problems: ConfigProblem[] = [];
  cluster.instances.forEach((inst, i) => {
    try {
      const address = inst.ipAddress ?? hostVar(cluster, inst, 'ansible_host');
      if (!address) {
        problems.push({ file: join(cluster.dir, 'config.yml'), path: `instances[${i}]`, message: `${inst.name} has no address: set ip_address or vars.ansible_host` });
        return;
      }
      targets.push({ name: inst.name, address, port: hostVar(cluster, inst, 'ansible_port'), user: hostVar(cluster, inst, 'ansible_user') });
    } catch (err) {
      // A value its spec refuses (the loader reports these first; here for a Cluster built in code).
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  });
  return { targets, problems };
}

/** The command that proves the login can act as root. */
export function rootCheckCommand(user: string): string {
  return user === 'root' ? 'true' : 'sudo -n true';
}
