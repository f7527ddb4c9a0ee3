import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FENCE_PATH, fenceScript, standbyMarker } from '../../../../src/products/repmgr/fence.js';
import { postgresServiceUnit } from '../../../../src/products/postgres/service.js';
import { fenceFor } from '../../../../roles/repmgr/postgres.js';
import { MANAGERS } from '../../../../roles/managers.js';
import { byName, defaultCluster, twoLocationCluster } from '../fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Runs the script for real with its data directory and psql swapped for a
 * temp dir and a fake psql that answers per peer: `f` (primary), `t`
 * (standby), or fails (down). Returns exit status and stderr.
 */
function runFence(script: string, opts: { standby?: boolean; initialised?: boolean; answers: Record<string, 'f' | 't' | 'down'> }) {
  const d = mkdtempSync(join(tmpdir(), 'm1-fence-'));
  dirs.push(d);
  const data = join(d, 'data');
  execFileSync('mkdir', ['-p', data]);
  if (opts.initialised ?? true) writeFileSync(join(data, 'PG_VERSION'), '15\n');
  if (opts.standby) writeFileSync(join(data, 'standby.signal'), '');
  const psql = join(d, 'psql');
  const cases = Object.entries(opts.answers)
    .map(([h, a]) => `  *host=${h}\\ *) ${a === 'down' ? 'exit 2' : `echo ${a}`} ;;`)
    .join('\n');
  writeFileSync(psql, `#!/bin/sh\n[ "$PGPASSFILE" = /var/lib/postgresql/.pgpass ] || exit 9\ncase "$3" in\n${cases}\n  *) exit 2 ;;\nesac\n`);
  chmodSync(psql, 0o755);
  const body = script.replaceAll('/opt/postgres/data', data).replaceAll('/usr/lib/postgresql/15/bin/psql', psql);
  const r = spawnSync('sh', ['-c', body], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, err: r.stderr };
}

describe('fenceScript', () => {
  const script = fenceScript({ version: 15, me: 'alpha', peers: ['beta', 'gamma'] });

  it('is valid sh', () => {
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });

  it('refuses to start a would-be primary while a peer runs as primary, naming it and the fix', () => {
    const r = runFence(script, { answers: { beta: 't', gamma: 'f' } });
    expect(r.code).toBe(1);
    expect(r.err).toContain('not starting Postgres on alpha as a second primary: gamma runs as primary now');
    expect(r.err).toContain('run m1 deploy');
  });

  it('starts a would-be primary when every peer is a standby or down (a whole-cluster restart)', () => {
    expect(runFence(script, { answers: { beta: 't', gamma: 't' } }).code).toBe(0);
    expect(runFence(script, { answers: { beta: 'down', gamma: 'down' } }).code).toBe(0);
  });

  it('never stands in the way of a standby, or of a data directory not made yet', () => {
    expect(runFence(script, { standby: true, answers: { beta: 'f', gamma: 'f' } }).code).toBe(0);
    expect(runFence(script, { initialised: false, answers: { beta: 'f' } }).code).toBe(0);
  });

  it('asks each peer over the repmgr DSN, bounded, without a password prompt', () => {
    expect(script).toContain('for peer in beta gamma; do');
    expect(script).toMatch(/timeout 8 \/usr\/lib\/postgresql\/15\/bin\/psql -XAtqw -d "host=\$peer port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=\/etc\/m1\/ssl\/ca\.crt connect_timeout=3"/);
  });

  it('quotes peer names', () => {
    const odd = fenceScript({ version: 15, me: 'a', peers: ["b'c"] });
    expect(odd).toContain(`for peer in 'b'\\''c'; do`);
    expect(spawnSync('sh', ['-n', '-c', odd]).status).toBe(0);
  });

  it('with no peers, always starts', () => {
    const s = fenceScript({ version: 15, me: 'solo', peers: [] });
    expect(s).not.toContain('psql');
    expect(runFence(s, { answers: {} }).code).toBe(0);
  });

  it('knows the standby marker of each version', () => {
    expect(standbyMarker(15)).toBe('/opt/postgres/data/standby.signal');
    expect(standbyMarker(11)).toBe('/opt/postgres/data/recovery.conf');
  });
});

describe('postgres.service with a fence', () => {
  it('runs the fence before the server only when given one', () => {
    expect(postgresServiceUnit(15, FENCE_PATH)).toMatch(new RegExp(`^ExecStartPre=${FENCE_PATH}$`, 'm'));
    expect(postgresServiceUnit(15)).not.toContain('ExecStartPre');
  });
});

describe('fenceFor', () => {
  it('fences every repmgr data node against the other data nodes, never the witness', () => {
    const c = defaultCluster();
    expect(fenceFor(c, byName(c, 'alpha'))).toContain('for peer in beta; do');
    expect(fenceFor(c, byName(c, 'beta'))).toContain('for peer in alpha; do');
    expect(fenceFor(c, byName(c, 'gamma'))).toBeUndefined();
    const t = twoLocationCluster();
    expect(fenceFor(t, byName(t, 'delta'))).toContain('for peer in alpha beta gamma; do');
  });
  it('is repmgr\'s: Patroni and EFM clusters get none (their managers own who starts as primary)', () => {
    for (const fm of ['patroni', 'efm'] as const) {
      const c = { ...defaultCluster(), failoverManager: fm };
      expect(MANAGERS[fm].postgres(c).fence?.(c, byName(c, 'alpha'))).toBeUndefined();
    }
    const c = defaultCluster();
    expect(MANAGERS.repmgr.postgres(c).fence?.(c, byName(c, 'alpha'))).toContain('for peer in beta; do');
  });
});
