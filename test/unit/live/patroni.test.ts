import { describe, expect, it } from 'vitest';
import { patroniCluster, patroniSelf } from '../../../src/live/facts/patroniCluster.js';
import { pgbouncerDatabases } from '../../../src/live/facts/pgbouncerDatabases.js';
import { readRecorded } from './recorded.js';

const facts = { cluster: patroniCluster({ name: 'live-pt-turbot', port: 8008 }), self: patroniSelf({ name: 'live-pt-turbot', port: 8008 }), pgbouncer: pgbouncerDatabases('/etc/pgbouncer/pgbouncer.databases.ini') };

describe("Patroni's REST answers and PgBouncer's databases file, recorded (Patroni 3.0.2)", () => {
  it('GET /cluster and GET /patroni of a running member, right after a switchover', () => {
    const { facts: f, errors } = readRecorded('patroni-switchover', 'live-pt-turbot', facts);
    expect(errors).toEqual([]);
    expect(f.cluster).toMatchObject({ leader: 'live-pt-badger', paused: false, members: [{ name: 'live-pt-badger', role: 'leader', timeline: 2 }, { name: 'live-pt-turbot', role: 'replica', state: 'running', timeline: 2 }] });
    expect(f.self).toEqual({ state: 'running', role: 'replica', paused: false });
  });

  it("a stopped member's API does not answer: no view, and a problem with curl's exit status and message", () => {
    const { facts: f, errors } = readRecorded('patroni-member-stopped', 'live-pt-turbot', facts);
    expect(f.cluster).toBeUndefined();
    expect(f.self).toBeUndefined();
    expect(errors).toContain("Patroni GET /cluster failed (curl exit 7): curl: (7) Failed to connect to 127.0.0.1 port 8008 after 0 ms: Couldn't connect to server");
  });

  it('another member of the stopped one still sees it in the DCS, as stopped', () => {
    const { facts: f } = readRecorded('patroni-member-stopped', 'live-pt-badger', facts);
    expect(f.cluster?.members.find((m) => m.name === 'live-pt-turbot')).toMatchObject({ state: 'stopped' });
  });

  it("PgBouncer's databases file names the host clients go to", () => {
    expect(readRecorded('patroni-switchover', 'live-pt-turbot', facts).facts.pgbouncer).toMatch(/^\* = host=live-pt-badger port=5432 /m);
  });
});
