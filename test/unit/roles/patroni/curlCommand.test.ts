import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureClusterCa, ensureHostCertificate } from '../../../../src/secrets/clusterCa.js';
import { localApi, type PatroniApi } from '../../../../src/products/patroni/api.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlCommand, curlConfigQuote, parseCurlOutput } from '../../../../src/products/patroni/curlCommand.js';
import {
  clusterRequest,
  configPatchRequest,
  primaryRequest,
  restartRequest,
  switchoverRequest,
} from '../../../../src/products/patroni/restRequests.js';
import { scratchDir } from '../../../support/scratch.js';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  contentType?: string;
  body: string;
}

let server: Server;
/** The server under the name its certificate carries (kaboom), reached on the loopback, checked against the test CA. */
let base: PatroniApi;
/** The same server under a name its certificate lacks. */
let wrongName: PatroniApi;
/** The same server checked against another CA. */
let otherCa: PatroniApi;
const seen: Seen[] = [];

beforeAll(async () => {
  // A CA and a host certificate made by m1's own code, as deploy makes them: name and address.
  const dir = scratchDir('m1-curl-');
  const ca = await ensureClusterCa(dir, 'curltest');
  const pair = await ensureHostCertificate(dir, ca, 'kaboom', ['kaboom', '10.33.0.3']);
  const other = await ensureClusterCa(scratchDir('m1-curl-other-'), 'other');
  const caFile = join(dir, 'ca.crt');
  const otherFile = join(dir, 'other.crt');
  await writeFile(caFile, ca.cert);
  await writeFile(otherFile, other.cert);
  server = createServer({ cert: pair.cert, key: pair.key }, (req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, contentType: req.headers['content-type'], body });
      if (req.url === '/primary') {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end('{"role":"replica"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  base = { ...localApi('kaboom', port), caFile };
  wrongName = { ...localApi('kaftan', port), caFile };
  otherCa = { ...localApi('kaboom', port), caFile: otherFile };
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Runs a CommandSpec as the engine would: sh -c with stdin. */
function sh(command: string, stdin?: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', command]);
    let stdout = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    p.stdin.end(stdin ?? '');
  });
}

describe('Patroni REST calls through curl', () => {
  it('keeps the password out of the command line', () => {
    const spec = curlCommand(base, restartRequest({ pending: true }), 's3cr3t pw');
    expect(spec.command).not.toContain('s3cr3t');
    expect(spec.stdin).toContain('user = "patroni:s3cr3t pw"');
    expect(spec.secret).toBe(true);
    expect(spec.command).toMatch(/^curl -sS --noproxy '\*' --max-time 130 -w .* --proto =https --cacert \S+ --resolve kaboom:\d+:127\.0\.0\.1 -K - https:\/\/kaboom:\d+\/restart$/);
  });

  it('POST /restart sends basic auth and the restart_pending filter', async () => {
    const spec = curlCommand(base, restartRequest({ pending: true }), 'pa"ss\\word');
    const out = await sh(spec.command, spec.stdin);
    expect(out.code).toBe(0);
    expect(parseCurlOutput(out.stdout)).toEqual({ status: 200, body: '{"ok":true}' });
    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/restart');
    expect(Buffer.from(req.auth!.replace('Basic ', ''), 'base64').toString()).toBe('patroni:pa"ss\\word');
    expect(req.contentType).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ restart_pending: true, timeout: 120 });
  });

  it('PATCH /config sends the patch with nulls intact', async () => {
    const patch = { postgresql: { parameters: { work_mem: '64MB', jit: null } } };
    const spec = curlCommand(base, configPatchRequest(patch), 'pw');
    await sh(spec.command, spec.stdin);
    const req = seen.at(-1)!;
    expect(req.method).toBe('PATCH');
    expect(JSON.parse(req.body)).toEqual(patch);
  });

  it('POST /switchover names leader and candidate', async () => {
    const spec = curlCommand(base, switchoverRequest('kaboom', 'kaftan'), 'pw');
    await sh(spec.command, spec.stdin);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ leader: 'kaboom', candidate: 'kaftan' });
  });

  it('health checks go without credentials and report 503 as a status, not a failure', async () => {
    const spec = curlCommand(base, primaryRequest());
    expect(spec.secret).toBe(false);
    expect(spec.stdin).not.toContain('user');
    const out = await sh(spec.command, spec.stdin);
    expect(out.code).toBe(0);
    expect(parseCurlOutput(out.stdout)).toEqual({ status: 503, body: '{"role":"replica"}' });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/primary', auth: undefined });
  });

  it('no answer is status 0', async () => {
    const spec = curlCommand({ ...base, url: 'https://kaboom:1', resolve: 'kaboom:1:127.0.0.1' }, clusterRequest());
    const out = await sh(spec.command, spec.stdin);
    expect(out.code).not.toBe(0);
    expect(parseCurlOutput(out.stdout).status).toBe(0);
  });

  it('speaks TLS only and checks the certificate: a name it lacks, or another CA, gets no answer and no request', async () => {
    const before = seen.length;
    for (const api of [wrongName, otherCa]) {
      const out = await sh(curlCommand(api, restartRequest(), 'pw').command, curlCommand(api, restartRequest(), 'pw').stdin);
      expect(out.code).not.toBe(0);
      expect(parseCurlOutput(out.stdout).status).toBe(0);
    }
    const plain = await sh(curlCommand({ ...base, url: base.url.replace('https:', 'http:') }, clusterRequest()).command);
    expect(parseCurlOutput(plain.stdout).status).toBe(0);
    expect(seen.length).toBe(before);
  });

  it('refuses a call needing auth without a password, and values curl cannot carry', () => {
    expect(() => curlCommand(base, restartRequest())).toThrow(/password is needed/);
    expect(() => curlConfigQuote('a\nb')).toThrow(/line breaks/);
  });
});
