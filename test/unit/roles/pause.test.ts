/**
 * Pausing automatic failover through the FailoverManager interface: the
 * pause state read from a manager's view, and each manager's command and how
 * its answer is judged.
 */
import { describe, expect, it } from 'vitest';
import { pauseState, type FmNode, type FmView } from '../../../roles/failoverManager.js';
import { MANAGERS } from '../../../roles/managers.js';
import { byName, defaultCluster } from './fixtures.js';
import { patroniCluster } from './patroni/fixture.js';
import { defaultLayout } from './efm/clusters.js';

const view = (paused: Record<string, boolean | undefined>, dcs?: boolean): FmView => ({
  manager: 'repmgr',
  nodes: Object.entries(paused).map(([name, p]): FmNode => ({ name, role: 'standby', state: 'running', ...(p !== undefined ? { paused: p } : {}) })),
  ...(dcs !== undefined ? { paused: dcs } : {}),
});

describe('pauseState', () => {
  const cases: Array<[string, Record<string, boolean | undefined>, boolean | undefined, string]> = [
    ['every member paused', { a: true, b: true, c: true }, undefined, 'paused'],
    ['no member paused', { a: false, b: false }, undefined, 'active'],
    ['some paused, some not', { a: true, b: false }, undefined, 'mixed'],
    ['a member that did not say does not count', { a: true, b: undefined }, undefined, 'paused'],
    ['nobody said', { a: undefined }, undefined, 'unknown'],
    ['the DCS paused, every member took it', { a: true, b: true }, true, 'paused'],
    ['the DCS paused, a member not yet', { a: true, b: false }, true, 'mixed'],
    ['the DCS paused, no member answered', { a: undefined }, true, 'paused'],
    ['the DCS resumed, a member still paused', { a: false, b: true }, false, 'mixed'],
    ['the DCS resumed, every member too', { a: false, b: false }, false, 'active'],
  ];
  for (const [what, nodes, dcs, state] of cases) {
    it(`${what}: ${state}`, () => {
      expect(pauseState(view(nodes, dcs), Object.keys(nodes)).state).toBe(state);
    });
  }

  it('names who is paused and who is not, members only', () => {
    expect(pauseState(view({ a: true, b: false, x: true }), ['a', 'b'])).toEqual({ state: 'mixed', paused: ['a'], active: ['b'] });
  });
});

const result = (code: number, stdout = '', stderr = '') => ({ code, stdout, stderr });

describe('repmgr: repmgr service pause / unpause', () => {
  const c = defaultCluster();
  const p = MANAGERS.repmgr.pause;

  it('runs as postgres with the node\'s repmgr.conf, needs no secret, and waits a few seconds at most', () => {
    if ('unsupported' in p) throw new Error('repmgr pauses');
    expect(p.secret).toBeUndefined();
    const on = p.command(c, byName(c, 'alpha'), true, undefined);
    expect(on.command).toBe("cd / && runuser -u postgres -- env HOME=/var/lib/postgresql PGPASSFILE=/var/lib/postgresql/.pgpass sh -c '/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf service pause'");
    expect(on.stdin).toBeUndefined();
    expect(p.command(c, byName(c, 'alpha'), false, undefined).command).toMatch(/repmgr\.conf service unpause'$/);
    expect(p.settleMs).toBeLessThanOrEqual(5000);
  });

  it('exit 26 (ERR_REPMGRD_PAUSE) is a node not reached, with repmgr\'s warnings; 0 is done', () => {
    if ('unsupported' in p) throw new Error('repmgr pauses');
    expect(p.failure(result(0, 'NOTICE: node 1 (alpha) paused\n'))).toBeUndefined();
    // repmgr 5.3 prints to stderr: the node it could not reach, then its count.
    const err = 'NOTICE: node 1 (alpha) paused\nWARNING: unable to connect to node 2\nERROR: unable to pause 1 node(s)\nHINT: execute "repmgr service status" to view current status\n';
    expect(p.failure(result(26, '', err))).toBe('a node could not be reached: WARNING: unable to connect to node 2; ERROR: unable to pause 1 node(s)');
    expect(p.failure(result(1, '', 'ERROR: connection to database failed\n'))).toBe('exit 1: ERROR: connection to database failed');
  });
});

describe('Patroni: PATCH /config {"pause": …}', () => {
  const c = patroniCluster();
  const p = MANAGERS.patroni.pause;

  it("asks the member's own API over TLS, the body and the REST password on stdin only", () => {
    if ('unsupported' in p) throw new Error('Patroni pauses');
    expect(p.secret).toBe('patroni');
    const cmd = p.command(c, byName(c, 'kaboom'), true, 's3cret');
    expect(cmd.command).toBe("curl -sS --noproxy '*' --max-time 10 -w '\\nm1-http-status:%{http_code}' --proto =https --cacert /etc/m1/ssl/ca.crt --resolve kaboom:8008:127.0.0.1 -K - https://kaboom:8008/config");
    expect(cmd.command).not.toContain('s3cret');
    expect(cmd.stdin).toBe('request = "PATCH"\nuser = "patroni:s3cret"\nheader = "Content-Type: application/json"\ndata-binary = "{\\"pause\\":true}"\n');
    expect(p.command(c, byName(c, 'kaboom'), false, 's3cret').stdin).toContain('{\\"pause\\":false}');
    expect(cmd.display).toBe(`PATCH /config {"pause": true} on kaboom's Patroni`);
  });

  it('HTTP 200 is done; anything else names the status and the answer', () => {
    if ('unsupported' in p) throw new Error('Patroni pauses');
    expect(p.failure(result(0, '{"pause": true, "ttl": 20}\nm1-http-status:200'))).toBeUndefined();
    expect(p.failure(result(0, 'no valid authentication\nm1-http-status:401'))).toBe('HTTP 401: no valid authentication');
    expect(p.failure(result(7, '\nm1-http-status:000', 'curl: (7) Failed to connect to kaboom port 8008\n'))).toBe('HTTP no answer (curl: (7) Failed to connect to kaboom port 8008)');
  });
});

describe('EFM', () => {
  it('has no pause: it says why and what to do instead, naming the agent unit', () => {
    const p = MANAGERS.efm.pause;
    if (!('unsupported' in p)) throw new Error('EFM has no pause');
    const why = p.unsupported(defaultLayout());
    expect(why).toMatch(/^EFM has no pause of automatic failover that takes effect at once: its agents read auto\.failover only when they start/);
    expect(why).toContain('systemctl stop edb-efm-4.9');
    expect(why).toContain('efm_conf_settings: {auto.failover: false}');
  });
});
