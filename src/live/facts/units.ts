/** `systemctl is-active` of systemd units: active, inactive, failed, activating... by unit, in the order asked. */
import { quoteAll } from '../../engine/index.js';
import type { Fact } from '../fact.js';

export function units(names: readonly string[]): Fact<Record<string, string>> {
  return {
    key: 'svc',
    read: { shell: names.length === 0 ? ':' : `echo "m1:svc=$(systemctl is-active ${quoteAll(names)} 2>/dev/null | paste -sd, -)"` },
    parse: (lines) => {
      const out: Record<string, string> = {};
      if (names.length === 0) return out;
      // No line: the host did not answer this part; every unit is then unknown.
      const states = lines[0]?.value.split(',') ?? [];
      names.forEach((u, n) => (out[u] = states[n] || 'unknown'));
      return out;
    },
  };
}
