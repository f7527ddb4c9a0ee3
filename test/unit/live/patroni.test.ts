import { describe, expect, it } from 'vitest';
import { patroniCluster, patroniSelf } from '../../../src/live/facts/patroniCluster.js';
import { pgbouncerDatabases } from '../../../src/live/facts/pgbouncerDatabases.js';
import { readRecorded } from './recorded.js';

const facts = { cluster: patroniCluster(8008), self: patroniSelf(8008), pgbouncer: pgbouncerDatabases('/etc/pgbouncer/pgbouncer.databases.ini') };

describe("Patroni's REST answers and PgBouncer's databases file, recorded (Patroni 3.0.2)", () => {
  it('GET /cluster and GET /patroni of a running member, right after a switchover', () => {
    const { facts: f } = readRecorded('patroni-switchover', 'live-pt-turbot', facts);
    expect(f.cluster?.code).toBe(0);
    expect(JSON.parse(f.cluster!.text)).toMatchObject({ members: [{ name: 'live-pt-badger', role: 'leader', timeline: 2 }, { name: 'live-pt-turbot', role: 'replica', state: 'running' }] });
    expect(JSON.parse(f.self!.text)).toMatchObject({ state: 'running', role: 'replica', timeline: 2 });
  });

  it("a stopped member's API does not answer: curl's exit status and message", () => {
    const { facts: f } = readRecorded('patroni-member-stopped', 'live-pt-turbot', facts);
    expect(f.cluster).toEqual({ code: 7, text: "curl: (7) Failed to connect to 127.0.0.1 port 8008 after 0 ms: Couldn't connect to server" });
  });

  it("PgBouncer's databases file names the host clients go to", () => {
    expect(readRecorded('patroni-switchover', 'live-pt-turbot', facts).facts.pgbouncer).toMatch(/^\* = host=live-pt-badger port=5432 /m);
  });
});
