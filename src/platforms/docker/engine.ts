/**
 * The Docker engine, through its API: connecting (with one line pointing at
 * docker/setup-engine.sh when nothing answers), observing containers and
 * networks, and running a command in a container.
 */
import type Docker from 'dockerode';
import { join } from 'node:path';
import { HostError } from '../../errors.js';
import { packageRoot } from '../../packageRoot.js';
import type { ObservedContainer, ObservedNetwork } from './plan.js';
import { apiPath, EngineClient } from './engineClient.js';

export const SETUP_ENGINE_SCRIPT = join(packageRoot, 'docker', 'setup-engine.sh');

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** A client for the engine of DOCKER_HOST or /var/run/docker.sock, once it answers a ping. */
export async function connectEngine(): Promise<EngineClient> {
  const docker = new EngineClient();
  const where = process.env['DOCKER_HOST'] ?? '/var/run/docker.sock';
  try {
    await withTimeout(docker.ping(10_000), 10_000, 'ping');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HostError(`no Docker engine answers at ${where} (${why}): run \`bash ${SETUP_ENGINE_SCRIPT}\` to install and start one`);
  }
  return docker;
}

export async function observeContainers(docker: EngineClient): Promise<ObservedContainer[]> {
  const list = await docker.get<Docker.ContainerInfo[]>(apiPath(['containers', 'json'], { all: '1' }));
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    state: c.State,
    image: c.Image,
    labels: c.Labels ?? {},
    addresses: Object.fromEntries(
      Object.entries(c.NetworkSettings?.Networks ?? {}).map(([net, info]) => [net, info.IPAMConfig?.IPv4Address || info.IPAddress]),
    ),
  }));
}

export async function observeNetworks(docker: EngineClient): Promise<ObservedNetwork[]> {
  const list = await docker.get<Docker.NetworkInspectInfo[]>(apiPath(['networks']));
  return list.map((n) => ({
    id: n.Id,
    name: n.Name,
    labels: n.Labels ?? {},
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'),
  }));
}

/** Runs argv in a running container; resolves to its exit status and output. */
export async function execIn(engine: EngineClient, containerId: string, argv: string[]): Promise<{ exitCode: number; output: string }> {
  const docker = await engine.dockerode();
  const exec = await docker.getContainer(containerId).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const sink = { write: (b: Buffer) => chunks.push(Buffer.from(b)) } as unknown as NodeJS.WritableStream;
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString() };
}
