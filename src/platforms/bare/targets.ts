/**
 * Where a bare host is reached: ip_address or vars.ansible_host, port
 * vars.ansible_port (22), login vars.ansible_user (root).
 */
import type { ConfigProblem } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import type { SshTarget } from '../sshProbe.js';

export function bareTargets(cluster: Pick<Cluster, 'instances'>): { targets: SshTarget[]; problems: ConfigProblem[] } {
  const targets: SshTarget[] = [];
  const problems: ConfigProblem[] = [];
  cluster.instances.forEach((inst, i) => {
    const host = inst.vars['ansible_host'];
    const address = inst.ipAddress ?? (typeof host === 'string' && host ? host : undefined);
    if (!address) {
      problems.push({ file: 'config.yml', path: `instances[${i}]`, message: `${inst.name} has no address: set ip_address or vars.ansible_host` });
      return;
    }
    const rawPort = inst.vars['ansible_port'] ?? 22;
    const port = typeof rawPort === 'number' ? rawPort : Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push({ file: 'config.yml', path: `instances[${i}].vars.ansible_port`, message: `"${String(rawPort)}" is not a TCP port` });
      return;
    }
    const user = inst.vars['ansible_user'];
    targets.push({ name: inst.name, address, port, user: typeof user === 'string' && user ? user : 'root' });
  });
  return { targets, problems };
}

/** The command that proves the login can act as root. */
export function rootCheckCommand(user: string): string {
  return user === 'root' ? 'true' : 'sudo -n true';
}
