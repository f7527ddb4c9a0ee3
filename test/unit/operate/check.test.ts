import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { barmanRows, managerRows, routeRows } from '../../../playbooks/operate/check/run.js';
import { buildRouteCommand, clusterRoutes, parseRouteOutput, type RouteAnswer } from '../../../playbooks/operate/routes.js';
import type { Snapshot } from '../../../playbooks/operate/status.js';
import { renderChecks } from '../../../playbooks/operate/table.js';
import { parseBytes } from '../../../src/cli/switchover.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function snapshot(live: LiveSpec, routeAnswers: Record<string, RouteAnswer> = {}): Snapshot {
  const c = fiveNodes();
  const probes = probesFor(c, live);
  return { status: evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: clusterRoutes(c), routeAnswers }), probes, routeAnswers, gatheredMs: 1 };
}

describe('entry point checks', () => {
  it('the route command keeps the password off the command line and out of later commands', () => {
    const [route] = clusterRoutes(fiveNodes());
    const cmd = buildRouteCommand(15, [{ route: route! }], { user: 'app', database: 'app' });
    expect(cmd.split('\n')[0]).toBe('(');
    expect(cmd).toContain('IFS= read -r PGPASSWORD; export PGPASSWORD');
    expect(cmd).toContain("'host=op-a port=6432 dbname=app user=app sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt connect_timeout=3 application_name=m1_check'");
    expect(cmd.trimEnd().endsWith(')')).toBe(true);
  });

  it('reads what each client saw, with psql\'s error on failure', () => {
    const out = [
      `m1:route:pgbouncer:op-a=0:${b64('m1:answer=f|10.0.0.1|op-a\nm1:wrote=test-1')}`,
      `m1:route:pgbouncer:op-b=2:${b64('psql: error: connection to server at "op-b" (10.0.0.2), port 6432 failed: Connection refused\n\tIs the server running?')}`,
    ].join('\n');
    const a = parseRouteOutput(out);
    expect(a['pgbouncer:op-a']).toEqual({ id: 'pgbouncer:op-a', ok: true, inRecovery: false, address: '10.0.0.1', clusterName: 'op-a', output: 'm1:wrote=test-1' });
    expect(a['pgbouncer:op-b']).toMatchObject({ ok: false, error: '\tIs the server running?' });
  });

  it('a write port passes only when the client reached the primary and wrote its row', () => {
    const answers: Record<string, RouteAnswer> = {
      'pgbouncer:op-a': { id: 'pgbouncer:op-a', ok: true, inRecovery: false, clusterName: 'op-a', output: 'm1:wrote=t-a' },
      'pgbouncer:op-b': { id: 'pgbouncer:op-b', ok: true, inRecovery: false, clusterName: 'op-a', output: '' },
      'pgbouncer:op-c': { id: 'pgbouncer:op-c', ok: true, inRecovery: true, clusterName: 'op-c', output: '' },
    };
    const rows = routeRows(snapshot(HEALTHY, answers), { 'pgbouncer:op-a': 't-a', 'pgbouncer:op-b': 't-b', 'pgbouncer:op-c': 't-c' });
    expect(rows.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.check}: ${r.detail}`)).toEqual([
      'PASS PgBouncer op-a:6432 reaches the primary: a client reaches op-a and writes',
      'FAIL PgBouncer op-b:6432 reaches the primary: a client reaches op-a but cannot write',
      'FAIL PgBouncer op-c:6432 reaches the primary: a client reaches op-c (read-only), not the primary op-a',
    ]);
  });
});

describe('manager and Barman checks', () => {
  it('repmgr must see every Postgres node running and agree on the primary', () => {
    expect(managerRows(fiveNodes(), snapshot(HEALTHY)).every((r) => r.ok)).toBe(true);
    const rows = managerRows(fiveNodes(), snapshot({ ...HEALTHY, stopped: ['op-d'], repmgrPrimary: 'op-b' }));
    expect(rows).toEqual([
      { check: 'repmgr sees every node', ok: false, detail: 'op-d unreachable' },
      { check: 'repmgr agrees on the primary', ok: false, detail: 'repmgr: op-b; Postgres: op-a' },
    ]);
  });

  it('barman check rows name the failed checks', () => {
    expect(barmanRows(snapshot({ ...HEALTHY, barmanCheckFails: 'replication slot' }))).toEqual([
      { check: 'barman check op (on op-e)', ok: false, detail: 'replication slot: FAILED (broken)' },
    ]);
  });

  it('renders a PASS/FAIL table', () => {
    expect(renderChecks([{ check: 'a', ok: true, detail: 'x' }, { check: 'longer check', ok: false, detail: 'y' }])).toBe(
      'result  check         detail\nPASS    a             x\nFAIL    longer check  y\n',
    );
  });
});

describe('--max-lag', () => {
  it('takes bytes or sizes with units, refuses anything else', () => {
    expect(parseBytes('16777216')).toBe(16777216);
    expect(parseBytes('16MB')).toBe(16 * 1024 * 1024);
    expect(parseBytes('512kB')).toBe(512 * 1024);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(() => parseBytes('lots')).toThrow(/--max-lag lots: give bytes/);
  });
});
