import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LocalConnector } from '../../../src/engine/connectors/local.js';

/**
 * A temporary directory and a local long-lived shell for the tests of one
 * file, both removed after them. `dir` is set once the suite starts.
 */
export function scratch(prefix: string): { dir: string; sh: LocalConnector } {
  const s = { dir: '', sh: new LocalConnector('h') };
  beforeAll(async () => {
    s.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await s.sh.close();
    await rm(s.dir, { recursive: true, force: true });
  });
  return s;
}
