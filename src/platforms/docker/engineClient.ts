/**
 * The Docker engine as m1 talks to it. The reads every run makes (ping, the
 * container and network lists, inspecting one object) go to the engine's
 * HTTP API directly over its socket; dockerode, with the hundred-odd modules
 * it loads (gRPC, protobuf), is loaded only when something is to be created,
 * started, copied in, run or removed. A converged deploy or a status never
 * loads it.
 */
import { request } from 'node:http';
import type Docker from 'dockerode';

/** A refusal or failure answered by the engine: its status and its one-line reason, as dockerode reports them. */
export class EngineApiError extends Error {
  readonly statusCode: number;
  readonly json: { message?: string };
  constructor(statusCode: number, reason: string) {
    super(`(HTTP code ${statusCode}) ${reason}`);
    this.statusCode = statusCode;
    this.json = { message: reason };
  }
}

/** Where the engine listens: DOCKER_HOST as unix://path, else the default socket; undefined for a TCP (possibly TLS) engine, which dockerode serves. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env['DOCKER_HOST'];
  if (host === undefined || host === '') return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** The path of a GET on the engine's API, each segment escaped (an image name holds '/' and ':'). */
export function apiPath(segments: readonly string[], query: Readonly<Record<string, string>> = {}): string {
  const q = new URLSearchParams(query).toString();
  return `/${segments.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

export class EngineClient {
  private full?: Promise<Docker>;
  constructor(private readonly socketPath: string | undefined = engineSocket()) {}

  /** dockerode, loaded and connected on first need. */
  dockerode(): Promise<Docker> {
    this.full ??= import('dockerode').then((m) => (this.socketPath ? new m.default({ socketPath: this.socketPath }) : new m.default()));
    return this.full;
  }

  /** GET `path` and parse its JSON answer; a status other than 2xx is an EngineApiError. */
  async get<T>(path: string, timeoutMs = 30_000): Promise<T> {
    if (!this.socketPath) {
      const docker = await this.dockerode();
      return (await docker.modem.dial({ path, method: 'GET', statusCodes: { 200: true, 404: 'not found', 500: 'server error' } } as never)) as T;
    }
    const socketPath = this.socketPath;
    return new Promise<T>((resolve, reject) => {
      const req = request({ socketPath, path, method: 'GET', headers: { host: 'docker' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            let message = body.trim();
            try {
              message = (JSON.parse(body) as { message?: string }).message ?? message;
            } catch {
              // not JSON: the body as it is
            }
            return reject(new EngineApiError(status, message));
          }
          try {
            resolve((body === '' ? undefined : JSON.parse(body)) as T);
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`${path}: no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }

  /** Resolves when the engine answers its ping. */
  async ping(timeoutMs: number): Promise<void> {
    if (!this.socketPath) {
      await (await this.dockerode()).ping();
      return;
    }
    const socketPath = this.socketPath;
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath, path: '/_ping', method: 'GET', headers: { host: 'docker' }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => ((res.statusCode ?? 0) === 200 ? resolve() : reject(new EngineApiError(res.statusCode ?? 0, 'ping refused'))));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('ping: no answer'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }
}
