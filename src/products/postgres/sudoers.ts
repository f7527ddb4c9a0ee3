/**
 * sudo rule letting postgres control its own services without a password:
 * repmgr's service_*_command and the promote hook run as postgres. Exact
 * command lines only (sudo matches arguments), for both systemctl paths.
 */
import { renderTemplate } from '../../templates/render.js';
import { POSTGRES_SERVICE, POSTGRES_USER } from './layout.js';

export const SUDO_VERBS = ['start', 'stop', 'restart', 'reload', 'status'] as const;
export const SUDO_SERVICES = [POSTGRES_SERVICE, 'repmgr'] as const;

export function postgresSudoers(): string {
  const commands: string[] = [];
  for (const bin of ['/bin/systemctl', '/usr/bin/systemctl']) {
    for (const verb of SUDO_VERBS) for (const svc of SUDO_SERVICES) commands.push(`${bin} ${verb} ${svc}`);
  }
  return renderTemplate('roles/postgres/templates/sudoers.hbs', { user: POSTGRES_USER, commands: commands.join(', \\\n    ') });
}
