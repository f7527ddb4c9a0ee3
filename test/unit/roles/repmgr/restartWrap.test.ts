/**
 * repmgrd around deploy's restart of a host: paused cluster-wide, unless a
 * person paused it already (m1 pause), and unpaused afterwards only where
 * deploy left its marker, so a deploy never resumes a pause it did not make.
 */
import { describe, expect, it } from 'vitest';
import { RESTART_PAUSE_MARKER, repmgrRestartWrap } from '../../../../roles/repmgr/manager.js';
import { defineRole, runPlaybook } from '../../../../src/engine/index.js';
import { defaultCluster } from '../fixtures.js';
import { modelHost } from '../scenarios/modelHost.js';

const c = defaultCluster();
const wrap = repmgrRestartWrap(c, 'alpha');

async function run(part: 'before' | 'after', opts: { paused: boolean; marker: boolean }) {
  const host = modelHost('beta', {
    files: opts.marker ? { [RESTART_PAUSE_MARKER]: '' } : {},
    answers: [
      { match: 'repmgrd_is_paused', code: opts.paused ? 0 : 1 },
      { match: 'service (un)?pause', stdout: 'NOTICE: done' },
      { match: '^systemctl (stop|start) repmgr$' },
      { match: 'SELECT active FROM repmgr\\.nodes' },
    ],
  });
  const ops = part === 'before' ? wrap.before('beta') : wrap.after('beta');
  const r = await runPlaybook({ name: 'p', stages: [{ name: 's', hosts: ['beta'], roles: [defineRole('w', () => ops)] }] }, { connectors: { beta: host } });
  expect(r.exitCode, r.failures.join('\n')).toBe(0);
  return host.commands.map((x) => x.command).filter((x) => /service (un)?pause|^systemctl (stop|start) repmgr/.test(x)).map((x) => {
      const marker = x.includes(`touch ${RESTART_PAUSE_MARKER}`) ? ' + marker' : x.includes(`rm -f -- ${RESTART_PAUSE_MARKER}`) ? ' - marker' : '';
      return `${/unpause/.test(x) ? 'unpause' : /service pause/.test(x) ? 'pause' : x}${marker}`;
    });
}

describe('repmgrRestartWrap', () => {
  it('pauses every node before the restart and leaves its marker, when the node is not paused', async () => {
    const before = await run('before', { paused: false, marker: false });
    expect(before).toEqual(['pause + marker', 'systemctl stop repmgr']);
  });

  it('leaves a pause it finds (m1 pause): no pause of its own, so no marker', async () => {
    expect(await run('before', { paused: true, marker: false })).toEqual(['systemctl stop repmgr']);
  });

  it('unpauses after the restart only where its marker is', async () => {
    expect(await run('after', { paused: true, marker: true })).toEqual(['systemctl start repmgr', 'unpause - marker']);
    expect(await run('after', { paused: true, marker: false })).toEqual(['systemctl start repmgr']);
  });

  it('names its tasks for what they do', () => {
    const [pause] = wrap.before('beta');
    const [, unpause] = wrap.after('beta');
    expect(pause!.name).toBe('pause repmgrd on every node (no failover during the restart)');
    expect(unpause!.name).toBe('unpause repmgrd on every node (deploy paused it)');
    expect(RESTART_PAUSE_MARKER).toBe('/var/lib/m1/repmgr/paused-by-deploy');
  });
});
