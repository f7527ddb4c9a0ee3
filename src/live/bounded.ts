/**
 * Shell fragments that may wait on another host (a client through PgBouncer
 * to a dead primary, `barman check`, `repmgr cluster show`, Patroni's API
 * asking its DCS), run side by side, each cut short by coreutils `timeout`:
 * together they take about `seconds`, not the sum of their waits. A fragment
 * cut short prints `m1:cut=<id>` INSTEAD of what it printed (half an answer is
 * not read), so the caller can say what it could not read rather than wait.
 *
 * Each fragment's output goes to its own file and is printed once all are
 * done: lines of fragments running at once never interleave. Where no
 * temporary directory can be made (a full disk), they run one after another,
 * each still bounded (a part cut short may then leave lines before its
 * marker: readers drop a cut part's lines).
 */
import { quote } from '../engine/shell/quote.js';

export interface BoundedPart {
  /** What `m1:cut=` names when this part is cut short. */
  id: string;
  shell: string;
}

export const CUT_KEY = 'cut';

/** `timeout`'s duration: seconds with one decimal, at least 0.1. */
export function timeoutSeconds(seconds: number): string {
  return Math.max(0.1, Math.round(seconds * 10) / 10).toFixed(1);
}

/** One part under `timeout` (which signals its whole process group), writing to the file `out` (else stdout); when cut, `out` holds only the marker. */
function boundedPart(p: BoundedPart, seconds: string, out?: string): string {
  if (!/^[A-Za-z0-9_.:@-]+$/.test(p.id)) throw new Error(`bounded part id ${JSON.stringify(p.id)}`);
  const to = out ? ` >${out}` : '';
  // 124: cut by TERM; 137: it ignored TERM and got KILL half a second later.
  return `{ timeout -k 0.5 ${seconds} sh -c ${quote(p.shell)}${to}; m1_c=$?; if [ $m1_c -eq 124 ] || [ $m1_c -eq 137 ]; then echo "m1:${CUT_KEY}=${p.id}"${to}; fi; }`;
}

export function boundedShell(parts: readonly BoundedPart[], seconds: number): string {
  if (parts.length === 0) return 'true';
  const s = timeoutSeconds(seconds);
  const side = parts.map((p, n) => `${boundedPart(p, s, `"$m1_d/${n}"`)} &`);
  const inTurn = parts.map((p) => boundedPart(p, s));
  return ['(', 'if m1_d=$(mktemp -d 2>/dev/null); then', ...side, 'wait', 'cat "$m1_d"/*', 'rm -rf "$m1_d"', 'else', ...inTurn, 'fi', ')'].join('\n');
}
