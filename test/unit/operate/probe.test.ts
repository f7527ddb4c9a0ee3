import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProbeCommand } from '../../../playbooks/operate/probe/command.js';
import { parseProbe } from '../../../playbooks/operate/probe/parse.js';
import { probeSpec, type ProbeSpec } from '../../../playbooks/operate/probe/spec.js';
import { formatBytes, lagBytes, parseLsn } from '../../../src/products/postgres/lsn.js';
import { fiveNodes } from './fixtures.js';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'recorded', `${name}.txt`), 'utf8');

// The recorded outputs come from a 5-node repmgr cluster (m1e2eodev) after a switchover to ferret.
const spec = (host: string, extra: Partial<ProbeSpec> = {}): ProbeSpec => ({
  host,
  version: 15,
  units: ['postgres', 'repmgr', host === 'gazelle' ? 'cron' : 'pgbouncer'],
  postgres: true,
  repmgr: true,
  pgbouncer: host !== 'gazelle',
  barmanServers: host === 'gazelle' ? ['m1e2eodev'] : [],
  barmanCheck: true,
  ...extra,
});

describe('LSN arithmetic', () => {
  it('parses positions and computes the lag between two hosts', () => {
    expect(parseLsn('0/E000EF8')).toBe(0xe000ef8n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn('nonsense')).toBeUndefined();
    expect(lagBytes('1/0', '0/FFFFFF00')).toBe(256);
    expect(lagBytes('0/10', '0/20')).toBe(0);
    expect(lagBytes(undefined, '0/20')).toBeUndefined();
    expect(formatBytes(16 * 1024 * 1024)).toBe('16.0 MB');
  });
});

describe('the probe command', () => {
  it('asks only for what the host runs', () => {
    const c = fiveNodes();
    const witness = buildProbeCommand(probeSpec(c, c.instances[4]!));
    expect(witness).toContain('cluster show --csv');
    expect(witness).toContain('/usr/bin/barman check op');
    expect(witness).toContain('/var/lib/barman/op/base');
    expect(witness).not.toContain('pgbouncer.databases.ini');
    const replica = buildProbeCommand(probeSpec(c, c.instances[3]!));
    expect(replica).not.toContain('barman');
    expect(replica).not.toContain('pgbouncer.databases.ini');
    expect(buildProbeCommand(probeSpec(c, c.instances[1]!))).toContain('/etc/pgbouncer/pgbouncer.databases.ini');
    expect(buildProbeCommand(probeSpec(c, c.instances[4]!, { barmanCheck: false }))).not.toContain('barman check');
  });

  it('reports services in the order of the spec', () => {
    const c = fiveNodes();
    expect(probeSpec(c, c.instances[0]!).units).toEqual(['postgres', 'repmgr', 'pgbouncer']);
    expect(probeSpec(c, c.instances[4]!).units).toEqual(['postgres', 'repmgr', 'cron']);
  });
});

describe('parseProbe on recorded output', () => {
  it('reads a primary: positions, timeline, repmgr metadata and view, PgBouncer target', () => {
    const p = parseProbe(spec('ferret'), recorded('ferret'));
    expect(p.pgRunning).toBe(true);
    expect(p.pg?.inRecovery).toBe(false);
    expect(p.pg?.currentLsn).toMatch(/^0\/[0-9A-F]+$/);
    expect(p.pg?.timeline).toBe(4);
    expect(p.replication.map((r) => r.applicationName).sort()).toEqual(['barman_streaming', 'm1e2eodev-elk', 'm1e2eodev-ermine']);
    expect(p.slots.find((s) => s.name === 'backup_m1e2eodev_gazelle')?.active).toBe(true);
    expect(p.repmgr?.nodes.find((n) => n.type === 'primary')?.name).toBe('m1e2eodev-ferret');
    expect(p.repmgr?.show).toHaveLength(5);
    expect(p.repmgr?.daemon).toEqual({ running: true, paused: false });
    expect(p.pgbouncerTarget).toBe('m1e2eodev-ferret');
    expect(p.services).toEqual({ postgres: 'active', repmgr: 'active', pgbouncer: 'active' });
  });

  it('reads a cascaded replica: its receiver streams from the intermediate replica', () => {
    const p = parseProbe(spec('fox'), recorded('fox'));
    expect(p.pg?.inRecovery).toBe(true);
    expect(p.receiver).toMatchObject({ status: 'streaming', senderHost: 'm1e2eodev-ermine', slot: 'repmgr_slot_4' });
    expect(p.pg?.conninfoHost).toBe('m1e2eodev-ermine');
  });

  it('reads the Barman host: conf target, recorded target, backups, check', () => {
    const p = parseProbe(spec('gazelle'), recorded('gazelle'));
    const b = p.barman['m1e2eodev']!;
    expect(b.target).toBe('m1e2eodev-ferret');
    expect(b.recordedTarget).toBe('m1e2eodev-ferret');
    expect(b.backups.length).toBeGreaterThanOrEqual(1);
    expect(b.backups.every((x) => x.status === 'DONE' && /^\d{8}T\d{6}$/.test(x.id))).toBe(true);
    expect(b.check?.ok).toBe(true);
    // the witness's own server is not a data node but answers out of recovery
    expect(p.pg?.inRecovery).toBe(false);
  });

  it('keeps what it cannot read as errors, never throws', () => {
    const p = parseProbe(spec('x', { repmgr: false, pgbouncer: false }), 'm1:svc=inactive\nm1:pgerr=the server on the socket runs from /var/lib/postgresql/15/main, not /opt/postgres/data\n');
    expect(p.pgRunning).toBe(false);
    expect(p.errors).toEqual(['the server on the socket runs from /var/lib/postgresql/15/main, not /opt/postgres/data']);
    expect(p.services['postgres']).toBe('inactive');
    const patroni = parseProbe(spec('y', { patroniApi: { name: 'y', port: 8008 } }), `m1:patroni=7:${Buffer.from('curl: (7) Failed to connect to 127.0.0.1 port 8008').toString('base64')}\n`);
    expect(patroni.patroni).toBeUndefined();
    expect(patroni.errors[0]).toMatch(/Patroni GET \/cluster failed \(curl exit 7\): curl: \(7\) Failed to connect/);
  });

  it('reads Patroni\'s view from its REST API (GET /cluster, no patronictl), as recorded on Patroni 3.0', () => {
    const cmd = buildProbeCommand(spec('camel', { repmgr: false, patroniApi: { name: 'camel', port: 8008 } }));
    expect(cmd).toContain("curl -sS --noproxy '*' --max-time 5 --proto =https --cacert /etc/m1/ssl/ca.crt --resolve camel:8008:127.0.0.1 https://camel:8008/cluster");
    expect(cmd).not.toContain('patronictl');
    const answer =
      '{"members": [{"name": "camel", "role": "replica", "state": "running", "api_url": "http://10.33.29.18:8008/patroni", "host": "10.33.29.18", "port": 5432, "timeline": 5, "lag": 0}, ' +
      '{"name": "coyote", "role": "leader", "state": "running", "api_url": "http://10.33.29.20:8008/patroni", "host": "10.33.29.20", "port": 5432, "timeline": 5}]}';
    const p = parseProbe(spec('camel', { repmgr: false, patroniApi: { name: 'camel', port: 8008 } }), `m1:patroni=0:${Buffer.from(answer).toString('base64')}\n`);
    expect(p.errors).toEqual([]);
    expect(p.patroni).toMatchObject({ leader: 'coyote', members: [{ name: 'camel', role: 'replica', state: 'running', lagBytes: 0, timeline: 5 }, { name: 'coyote', role: 'leader' }] });
  });

  it("reads the member's own state from GET /patroni (recorded on Patroni 3.0.2); a failed call leaves it unknown, without an error of its own", () => {
    const s = spec('elm', { repmgr: false, patroniApi: { name: 'elm', port: 8008 } });
    expect(buildProbeCommand(s)).toContain("curl -sS --noproxy '*' --max-time 5 --proto =https --cacert /etc/m1/ssl/ca.crt --resolve elm:8008:127.0.0.1 https://elm:8008/patroni");
    const answer =
      '{"state": "running", "postmaster_start_time": "2026-12-02 19:40:40.184155+00:00", "role": "replica", "server_version": 150018, "xlog": {"received_location": 285441128, "replayed_location": 285441128, ' +
      '"replayed_timestamp": "2026-12-02 19:40:51.411571+00:00", "paused": false}, "timeline": 3, "dcs_last_seen": 1796240478, "database_system_identifier": "7714793324656718191", "patroni": {"version": "3.0.2", "scope": "c"}}';
    const p = parseProbe(s, `m1:patroniself=0:${Buffer.from(answer).toString('base64')}\n`);
    expect(p.patroniSelf).toEqual({ state: 'running', role: 'replica', paused: false });
    // Paused (maintenance mode), Patroni adds "pause": true to the same answer.
    const paused = parseProbe(s, `m1:patroniself=0:${Buffer.from(answer.replace(/}$/, ', "pause": true}')).toString('base64')}\n`);
    expect(paused.patroniSelf).toEqual({ state: 'running', role: 'replica', paused: true });
    const failed = parseProbe(s, `m1:patroniself=7:${Buffer.from('curl: (7) Failed to connect').toString('base64')}\n`);
    expect(failed.patroniSelf).toBeUndefined();
    expect(failed.errors).toEqual([]);
  });
});
