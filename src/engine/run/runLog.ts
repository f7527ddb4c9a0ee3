/**
 * The JSONL run log: one line per operation (and one at start and end of
 * the run) in <cluster-dir>/logs/. Lines are redacted before they are written.
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Secrets } from '../secrets.js';

export class RunLog {
  readonly path: string;
  private fd: number | undefined;
  private readonly secrets: Secrets;

  constructor(clusterDir: string, playbook: string, secrets: Secrets) {
    const dir = join(clusterDir, 'logs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.path = join(dir, `${stamp}-${playbook.replace(/[^A-Za-z0-9_-]/g, '_')}.jsonl`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.secrets = secrets;
  }

  write(record: Record<string, unknown>): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, this.secrets.redact(JSON.stringify({ time: new Date().toISOString(), ...record })) + '\n');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
