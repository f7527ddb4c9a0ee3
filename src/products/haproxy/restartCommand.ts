/**
 * Restarts HAProxy; when it does not come up, HAProxy's own reason goes to
 * stderr after systemd's "Job for haproxy.service failed": the last [ALERT]
 * lines of its journal (e.g. "cannot bind socket (Address already in use)
 * for [0.0.0.0:5432]"), so the deploy error names the cause.
 */
import { quote } from '../../engine/shell/quote.js';

export function restartHaproxyCommand(service: string): string {
  return `systemctl restart ${quote(service)} || { s=$?; journalctl -u ${quote(service)} -n 40 --no-pager -o cat 2>/dev/null | grep -F '[ALERT]' | tail -n 2 >&2; exit $s; }`;
}
