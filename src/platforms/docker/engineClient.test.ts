import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.js';
import { apiPath, EngineApiError, EngineClient, engineSocket } from './engineClient.js';

describe('engine API paths and socket', () => {
  it('escapes each segment: an image name keeps its slash and tag inside one segment', () => {
    expect(apiPath(['images', 'm1/debian:bookworm', 'json'])).toBe('/images/m1%2Fdebian%3Abookworm/json');
    expect(apiPath(['containers', 'json'], { all: '1' })).toBe('/containers/json?all=1');
  });

  it('talks to the default socket, or to DOCKER_HOST when it is a unix socket; a TCP engine is left to dockerode', () => {
    expect(engineSocket({})).toBe('/var/run/docker.sock');
    expect(engineSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe('/run/user/1000/docker.sock');
    expect(engineSocket({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toBeUndefined();
  });
});

describe('EngineClient over a unix socket (a fake engine)', () => {
  let server: Server;
  let socket: string;
  const seen: string[] = [];
  beforeAll(async () => {
    socket = join(await scratchDir('m1-engine-'), 'engine.sock');
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/_ping') return void res.end('OK');
      if (req.url === '/containers/json?all=1') return void res.end(JSON.stringify([{ Id: 'abc', Names: ['/kaboom'] }]));
      if (req.url === '/slow') return; // never answers
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'No such image: m1/nothing:here' }));
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('GETs JSON, pings, and reports a refusal with its status and the engine\'s reason', async () => {
    const engine = new EngineClient(socket);
    await engine.ping(2000);
    expect(await engine.get(apiPath(['containers', 'json'], { all: '1' }))).toEqual([{ Id: 'abc', Names: ['/kaboom'] }]);
    const err = await engine.get(apiPath(['images', 'm1/nothing:here', 'json'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineApiError);
    expect(err).toMatchObject({ statusCode: 404, json: { message: 'No such image: m1/nothing:here' } });
    expect(seen).toContain('GET /images/m1%2Fnothing%3Ahere/json');
  });

  it('gives up on an engine that does not answer, naming the path', async () => {
    const err = await new EngineClient(socket).get('/slow', 300).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('/slow: no answer within 0.3 s');
  });

  it('an absent socket is an error with its code (connectEngine turns it into the set-up hint)', async () => {
    const err = await new EngineClient(join(socket, '..', 'absent.sock')).ping(1000).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
