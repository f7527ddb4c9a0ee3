import { execFileSync } from 'node:child_process';

/** Whether the Docker engine has `image` (a scenario for another Debian release is skipped without its image). */
export function imagePresent(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
