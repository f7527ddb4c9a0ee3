/** systemd queries (many units in one call) and actions. */
import { quote, quoteAll } from '../shell/quote.js';

export interface ServiceState {
  /** The unit's real name (aliases resolved, e.g. sshd -> ssh.service). */
  id: string;
  /** loaded, not-found, masked... */
  loadState: string;
  /** active, inactive, failed, activating... */
  activeState: string;
  /** enabled, disabled, static, masked, "" when unknown. */
  unitFileState: string;
  /** The unit file changed on disk since systemd read it. */
  needDaemonReload: boolean;
  /** The file systemd loaded the unit from ("" when none: not found, or a transient unit). */
  fragmentPath: string;
}

/** A unit name with its type suffix (".service" by default). */
export function unitName(name: string): string {
  if (!/^[A-Za-z0-9:_.@\\-]+$/.test(name)) throw new Error(`unit name ${JSON.stringify(name)} is not a systemd unit name`);
  return /\.(service|socket|timer|target|mount|path|slice|scope)$/.test(name) ? name : `${name}.service`;
}

const PROPS = 'Id,LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath';

export function buildServiceQuery(units: readonly string[]): string {
  return `systemctl show --property=${PROPS} -- ${quoteAll(units.map(unitName))}`;
}

/** One state per requested unit, in order (systemctl prints one block per unit). */
export function parseServiceQuery(units: readonly string[], stdout: string): Map<string, ServiceState> {
  const blocks = stdout.split(/\n\n+/).map((b) => b.trim()).filter(Boolean);
  const result = new Map<string, ServiceState>();
  units.forEach((unit, i) => {
    const fields = new Map<string, string>();
    for (const line of (blocks[i] ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
    }
    result.set(unit, {
      id: fields.get('Id') || unitName(unit),
      loadState: fields.get('LoadState') ?? 'not-found',
      activeState: fields.get('ActiveState') ?? 'inactive',
      unitFileState: fields.get('UnitFileState') ?? '',
      needDaemonReload: fields.get('NeedDaemonReload') === 'yes',
      fragmentPath: fields.get('FragmentPath') ?? '',
    });
  });
  return result;
}

export type ServiceAction = 'start' | 'stop' | 'restart' | 'reload' | 'reload-or-restart' | 'enable' | 'disable' | 'try-restart';

export function buildServiceAction(action: ServiceAction, unit: string): string {
  return `systemctl ${action} -- ${quote(unitName(unit))}`;
}

export function buildDaemonReload(): string {
  return 'systemctl daemon-reload';
}
