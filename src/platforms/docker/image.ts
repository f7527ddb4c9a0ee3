/**
 * Host images are built here, never pulled: m1/debian:<release> by
 * docker/build-image.sh (debootstrap + import + systemd and sshd), and the
 * test image m1/debian-packages:<release> by docker/build-test-image.sh.
 * Built once; later runs find them and do nothing.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { apiPath, type EngineClient } from './engineClient.js';
import { HostError, UsageError } from '../../errors.js';
import { packageRoot } from '../../packageRoot.js';
import { lastLines } from '../../engine/text/tail.js';

const BUILDABLE = /^m1\/(debian|debian-packages):(bullseye|bookworm|trixie)$/;

export async function imageExists(docker: EngineClient, image: string): Promise<boolean> {
  try {
    await docker.get(apiPath(['images', image, 'json']));
    return true;
  } catch {
    return false;
  }
}

/** The script and argument that build an image m1 knows how to build; undefined otherwise. */
export function buildCommand(image: string): { script: string; release: string } | undefined {
  const m = BUILDABLE.exec(image);
  if (!m) return undefined;
  const script = m[1] === 'debian' ? 'build-image.sh' : 'build-test-image.sh';
  return { script: join(packageRoot, 'docker', script), release: m[2]! };
}

/** Builds the image when missing; true when it built it. */
export async function ensureImage(docker: EngineClient, image: string, progress: (line: string) => void): Promise<boolean> {
  if (await imageExists(docker, image)) return false;
  const cmd = buildCommand(image);
  if (!cmd) {
    throw new UsageError(
      `config.yml: image ${image} is not on this engine and m1 builds only m1/debian:<bullseye|bookworm|trixie> (which it also runs for TPA's tpa/debian:<11|12|13>); build or load it first`,
    );
  }
  progress(`image ${image}: building (debootstrap + systemd + sshd, a few minutes the first time)`);
  const started = Date.now();
  const stderr = await new Promise<{ code: number | null; tail: string }>((resolve) => {
    const child = spawn('bash', [cmd.script, cmd.release], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-2000)));
    child.on('error', (err) => resolve({ code: -1, tail: err.message }));
    child.on('close', (code) => resolve({ code, tail }));
  });
  if (stderr.code !== 0 || !(await imageExists(docker, image))) {
    const last = lastLines(stderr.tail, 1);
    throw new HostError(`image ${image}: ${cmd.script} ${cmd.release} failed (exit ${stderr.code}): ${last}`);
  }
  progress(`image ${image}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
