/**
 * `barman check <server>`, bounded in time: with the backed-up host down,
 * Barman's SSH and libpq timeouts add up to half a minute. Its `FAILED` lines
 * are the reasons; timeout's status 124 is a failure of its own.
 */
import type { Fact } from '../fact.js';
import { capturedLine, parseCaptured } from '../protocol.js';

export interface BarmanCheck {
  ok: boolean;
  /** `name: FAILED (detail)` lines, as Barman printed them. */
  failed: string[];
  output: string;
}

export const BARMAN_CHECK_TIMEOUT_S = 12;

export function parseBarmanCheck(code: number, output: string): BarmanCheck {
  const failed = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /:\s*FAILED\b/.test(l));
  if (code === 124) failed.push('barman check did not finish in time (a backed-up host that does not answer?)');
  return { ok: code === 0 && failed.length === 0, failed, output };
}

/** `checkCommand`: `barman check <server>` as the barman user (product knowledge: how Barman is run). */
export function barmanCheck(server: string, checkCommand: string): Fact<BarmanCheck | undefined> {
  const key = `bcheck:${server}`;
  return {
    key,
    read: { shell: capturedLine(key, `timeout ${BARMAN_CHECK_TIMEOUT_S} ${checkCommand}`), waitsOnOthers: `barman check ${server}` },
    parse: (lines) => {
      const line = lines[0];
      if (!line) return undefined;
      const r = parseCaptured(line.value);
      return parseBarmanCheck(r.code, r.text);
    },
  };
}
