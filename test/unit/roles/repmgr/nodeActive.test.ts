import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeActiveCommand } from '../../../../src/products/repmgr/commands.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the command with runuser passing through and psql replaced by a fake printing `answer` (and logging its arguments). */
function run(answer: string): { code: number; args: string } {
  const d = mkdtempSync(join(tmpdir(), 'm1-node-active-'));
  dirs.push(d);
  writeFileSync(join(d, 'runuser'), '#!/bin/sh\nshift 3\nexec "$@"\n');
  writeFileSync(join(d, 'psql'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${d}/args\necho ${answer}\n`);
  for (const f of ['runuser', 'psql']) chmodSync(join(d, f), 0o755);
  const cmd = nodeActiveCommand(15, 'alpha', "o'brien").replace('/usr/lib/postgresql/15/bin/psql', join(d, 'psql'));
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, PATH: `${d}:${process.env['PATH']}` } });
  return { code: r.status ?? -1, args: readFileSync(join(d, 'args'), 'utf8') };
}

describe("waiting for repmgrd to mark a restarted node active", () => {
  it('asks the primary, as repmgr, for the node by name (a quote doubled)', () => {
    const r = run('t');
    expect(r.code).toBe(0);
    expect(r.args).toContain('host=alpha port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt connect_timeout=5');
    expect(r.args).toContain("SELECT active FROM repmgr.nodes WHERE node_name = 'o''brien'");
  });

  it('is not ready while the record says inactive or the primary does not answer', () => {
    expect(run('f').code).toBe(1);
    expect(run('').code).toBe(1);
  });
});
