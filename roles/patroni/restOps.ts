/**
 * Engine operations around Patroni's REST API: a call whose HTTP status must
 * be one of a few (curl exits 0 on a 503, so the status is checked here), and
 * bounded polls whose success is decided on the answer. Credentials and
 * bodies travel on curl's stdin (curlCommand), never in a command line.
 */
import { HostError } from '../../src/errors.js';
import { defineOperation, stderrTail, type CommandResult } from '../../src/engine/index.js';
import { argv } from '../../src/engine/shell/quote.js';
import { curlCommand, parseCurlOutput, type RestRequest, type RestResponse } from '../../src/products/patroni/curlCommand.js';
import { curlTlsArgs, type PatroniApi } from '../../src/products/patroni/api.js';

export interface RestCallOptions {
  name: string;
  /** The member's API. */
  api: PatroniApi;
  request: RestRequest;
  /** The REST API password (when request.auth). */
  password?: string;
  /** Statuses that count as success. */
  expect: readonly number[];
  when?: boolean;
}

function describe(r: RestResponse): string {
  const body = r.body.trim().replace(/\s+/g, ' ');
  return `HTTP ${r.status || 'no answer'}${body ? `: ${body.slice(0, 200)}` : ''}`;
}

/** One REST call that changes something (POST, PATCH): reported changed, failed unless the status is expected. */
export const restCall = defineOperation('rest', (o: RestCallOptions) => ({
  name: o.name,
  when: o.when,
  async apply(ctx) {
    const spec = curlCommand(o.api, o.request, o.password);
    const r = await ctx.change({
      cmd: spec.command,
      stdin: spec.stdin,
      display: `curl ${o.request.method} ${o.api.url}${o.request.path}`,
      timeoutMs: (o.request.timeoutSeconds + 15) * 1000,
    });
    if (!r) return { status: 'changed', message: 'check mode: not called' };
    ctx.facts.invalidateAll();
    const res = parseCurlOutput(r.stdout);
    if (!o.expect.includes(res.status)) {
      throw new HostError(`${o.request.method} ${o.api.url}${o.request.path} answered ${describe(res)}${stderrTail(r, 1) ? ` (${stderrTail(r, 1)})` : ''}`);
    }
    // Short answers ("restarted successfully") are worth showing; the whole DCS configuration is not.
    const body = res.body.trim();
    return { status: 'changed', message: `HTTP ${res.status}${body && body.length <= 60 ? `: ${body}` : ''}` };
  },
}));

/** A GET without credentials as one command line (for facts and polls: no stdin there). */
export function restGetCommand(api: PatroniApi, path: string, timeoutSeconds = 5): string {
  return argv('curl', '-sS', '--noproxy', '*', '--max-time', String(timeoutSeconds), ...curlTlsArgs(api), '-w', '\\nm1-http-status:%{http_code}', `${api.url}${path}`);
}

/** The answer of restGetCommand. */
export function parseRestGet(r: CommandResult): RestResponse {
  return parseCurlOutput(r.stdout);
}

/** A GET that exits 0 only on HTTP 200 (for waitUntil). */
export function restOkCommand(api: PatroniApi, path: string, timeoutSeconds = 5): string {
  return argv('curl', '-sf', '-o', '/dev/null', '--noproxy', '*', '--max-time', String(timeoutSeconds), ...curlTlsArgs(api), `${api.url}${path}`);
}

export interface PollOptions {
  name: string;
  /** A read-only command. */
  cmd: string;
  /** True when done. */
  until: (r: CommandResult) => boolean;
  timeoutMs: number;
  intervalMs?: number;
  /** On timeout: fail (default) or go on, reporting ok with a note. */
  onTimeout?: 'fail' | 'continue';
  /** What the last answer said, for the failure message. */
  explain?: (r: CommandResult) => string;
  when?: boolean;
}

/** Bounded polling decided in code (waitUntil only looks at the exit status). */
export const poll = defineOperation('wait', (o: PollOptions) => {
  const interval = Math.max(o.intervalMs ?? 1000, 50);
  return {
    name: o.name,
    when: o.when,
    async apply(ctx) {
      const deadline = Date.now() + o.timeoutMs;
      let attempts = 0;
      for (;;) {
        attempts++;
        const r = await ctx.probe({ cmd: o.cmd, timeoutMs: 30_000 });
        if (o.until(r)) return { status: 'ok', message: attempts > 1 ? `after ${attempts} checks` : undefined };
        if (ctx.check) return { status: 'skipped', message: 'check mode: not waiting' };
        if (Date.now() + interval > deadline) {
          const why = o.explain ? o.explain(r) : `last exit ${r.code}`;
          if (o.onTimeout === 'continue') return { status: 'ok', message: `gave up waiting after ${Math.round(o.timeoutMs / 1000)} s: ${why}` };
          throw new HostError(`${o.name}: not done after ${Math.round(o.timeoutMs / 1000)} s (${attempts} checks): ${why}`);
        }
        await ctx.sleep(interval);
      }
    },
  };
});
