/**
 * A Patroni REST call as a curl command line. Credentials never reach argv
 * (where `ps` shows them): curl reads its options from stdin (`-K -`), so the
 * `user = "patroni:<password>"` line, the method and the JSON body all travel
 * on the command's stdin. The API speaks TLS, checked against the cluster CA
 * (api.ts).
 */
import { UsageError } from '../../errors.js';
import { argv } from '../../engine/shell/quote.js';
import { curlTlsArgs, type PatroniApi } from './api.js';
import type { JsonObject } from './json.js';
import { PATRONI_REST_USER } from './settings.js';

export interface RestRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** e.g. /cluster, /restart */
  path: string;
  body?: JsonObject;
  /** Send basic auth (Patroni requires it for every unsafe method when restapi.authentication is set). */
  auth: boolean;
  /** curl --max-time, seconds. */
  timeoutSeconds: number;
}

export interface CommandSpec {
  command: string;
  /** Data for the command's stdin. */
  stdin?: string;
  /** stdin holds a secret: never log or show it. */
  secret: boolean;
}

/** A value inside a curl config file's double quotes (curl's escapes: \\ and \"). */
export function curlConfigQuote(value: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError('curl config value: line breaks cannot be passed');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Marker between the body and the HTTP status curl appends (-w); curl expands the \n itself. */
const STATUS_MARK = 'm1-http-status:';
const STATUS_PREFIX = `\n${STATUS_MARK}`;

export function curlCommand(api: PatroniApi, req: RestRequest, password?: string): CommandSpec {
  const config: string[] = [`request = ${curlConfigQuote(req.method)}`];
  if (req.auth) {
    if (password === undefined) throw new Error(`Patroni ${req.method} ${req.path}: the REST API password is needed`);
    config.push(`user = ${curlConfigQuote(`${PATRONI_REST_USER}:${password}`)}`);
  }
  if (req.body !== undefined) {
    config.push('header = "Content-Type: application/json"');
    config.push(`data-binary = ${curlConfigQuote(JSON.stringify(req.body))}`);
  }
  const command = argv(
    'curl',
    '-sS',
    '--noproxy',
    '*',
    '--max-time',
    String(req.timeoutSeconds),
    '-w',
    `\\n${STATUS_MARK}%{http_code}`,
    ...curlTlsArgs(api),
    '-K',
    '-',
    `${api.url}${req.path}`,
  );
  return { command, stdin: `${config.join('\n')}\n`, secret: req.auth };
}

export interface RestResponse {
  /** HTTP status; 0 when no answer (curl exits non-zero then). */
  status: number;
  body: string;
}

export function parseCurlOutput(stdout: string): RestResponse {
  const at = stdout.lastIndexOf(STATUS_PREFIX);
  if (at < 0) return { status: 0, body: stdout };
  const status = Number(stdout.slice(at + STATUS_PREFIX.length).trim());
  return { status: Number.isInteger(status) ? status : 0, body: stdout.slice(0, at) };
}
