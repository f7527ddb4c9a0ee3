import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type OtherRelease = 'bullseye' | 'trixie';

/** The packages image a scenario on another Debian release runs on. */
export function releaseImage(release: OtherRelease): string {
  return `m1/debian-packages:${release}`;
}

/** Whether the Docker engine has `image`. */
export function imagePresent(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the scenario on `release` runs: always when M1_E2E_RELEASES names
 * it (the whole suite, scripts/test-all.sh, builds those images in the
 * background), else only when its image is already here.
 */
export function releaseScenarioRuns(release: OtherRelease): boolean {
  const wanted = (process.env['M1_E2E_RELEASES'] ?? '').split(',').map((r) => r.trim());
  return wanted.includes(release) || imagePresent(releaseImage(release));
}

/** Builds the release's images, or waits for the build under way (the build script holds a lock), in beforeAll. */
export function ensureReleaseImage(release: OtherRelease): void {
  const script = fileURLToPath(new URL('../../../docker/build-test-image.sh', import.meta.url));
  execFileSync('bash', [script, release], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 20 * 60_000 });
}
