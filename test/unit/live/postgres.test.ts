import { describe, expect, it } from 'vitest';
import { pgNode } from '../../../src/live/facts/pgNode.js';
import { walReceiver } from '../../../src/live/facts/walReceiver.js';
import { replication } from '../../../src/live/facts/replication.js';
import { slots } from '../../../src/live/facts/slots.js';
import { readRecorded } from './recorded.js';

const pg = { node: pgNode, receiver: walReceiver, replication, slots };

describe('the Postgres facts, on a freshly deployed repmgr cluster (willow primary, yew its replica, acacia cascaded from yew)', () => {
  it('a primary: out of recovery, its WAL position, timeline 1 both live and in pg_control, identity, start time', () => {
    const { facts, errors } = readRecorded('repmgr-deployed', 'live-rp-willow', pg);
    expect(errors).toEqual([]);
    expect(facts.node).toEqual({
      dataDirectory: '/opt/postgres/data',
      inRecovery: false,
      currentLsn: '0/70644B8',
      receiveLsn: undefined,
      replayLsn: undefined,
      timeline: 1,
      checkpointTimeline: 1,
      systemIdentifier: '7715480789995184496',
      clusterName: 'live-rp-willow',
      conninfoHost: undefined,
      postmasterStart: 1796400361,
      readOnly: false,
      synchronousStandbys: '',
    });
    expect(facts.receiver).toBeUndefined();
  });

  it("a primary's WAL senders: its replica and Barman's streaming (which replays nothing)", () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-willow', pg);
    expect(facts.replication).toEqual([
      { applicationName: 'barman_streaming', clientAddr: '10.33.49.53/32', state: 'streaming', sentLsn: '0/70644B8', replayLsn: undefined, syncState: 'async' },
      { applicationName: 'live-rp-yew', clientAddr: '10.33.49.51/32', state: 'streaming', sentLsn: '0/70644B8', replayLsn: '0/70644B8', syncState: 'async' },
    ]);
  });

  it('slots hold WAL: an active slot of a caught-up replica holds none; an unused one holds everything since it was made', () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-willow', pg);
    expect(facts.slots).toEqual([
      { name: 'backup_live_rp_beech', type: 'physical', active: true, restartLsn: '0/7000000', heldBytes: 410808 },
      { name: 'repmgr_slot_2', type: 'physical', active: true, restartLsn: '0/70644B8', heldBytes: 0 },
      // The cascaded replica streams from yew, not from here: this slot only grows (84 MB after one deploy).
      { name: 'repmgr_slot_3', type: 'physical', active: false, restartLsn: '0/2000028', heldBytes: 84296848 },
    ]);
  });

  it('a cascaded replica: in recovery, its receiver streams from the intermediate replica, which primary_conninfo names too', () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-acacia', pg);
    expect(facts.node).toMatchObject({ inRecovery: true, currentLsn: undefined, receiveLsn: '0/7068480', replayLsn: '0/7068480', timeline: 1, conninfoHost: 'live-rp-yew' });
    expect(facts.receiver).toEqual({ status: 'streaming', senderHost: 'live-rp-yew', timeline: 1, flushedLsn: '0/7068480', slot: 'repmgr_slot_3' });
    expect(facts.replication).toEqual([]);
  });

  it('a Patroni replica: primary_conninfo names the leader by address, cluster_name is the scope', () => {
    const { facts } = readRecorded('patroni-deployed', 'live-pt-badger', pg);
    expect(facts.node).toMatchObject({ inRecovery: true, clusterName: 'live-pt', conninfoHost: '10.33.44.194' });
    expect(facts.receiver).toMatchObject({ status: 'streaming', senderHost: '10.33.44.194', slot: 'live_pt_badger' });
  });

  it('a stopped server: no Postgres fact, and the reason', () => {
    const { facts, errors } = readRecorded('repmgr-stopped', 'live-rp-yew', pg);
    expect(facts).toEqual({ node: undefined, receiver: undefined, replication: [], slots: [] });
    expect(errors).toEqual(['no server socket']);
  });
});

describe('the timeline after a promotion', () => {
  it("pg_promote() on acacia: its live timeline is 4 at once, while pg_control still says 1 (its last restartpoint's)", () => {
    const { facts } = readRecorded('repmgr-promoted', 'live-rp-acacia', pg);
    expect(facts.node).toMatchObject({ inRecovery: false, timeline: 4, checkpointTimeline: 1 });
  });

  it('repmgr and Patroni checkpoint after their own promotions, so there both timelines agree', () => {
    expect(readRecorded('repmgr-split-brain', 'live-rp-willow', pg).facts.node).toMatchObject({ inRecovery: false, timeline: 3, checkpointTimeline: 3 });
    expect(readRecorded('patroni-switchover', 'live-pt-badger', pg).facts.node).toMatchObject({ inRecovery: false, timeline: 2, checkpointTimeline: 2 });
  });

  it("a replica's live timeline is its receiver's: the old Patroni leader, now replica, receives timeline 2 with pg_control still at 1", () => {
    const { facts } = readRecorded('patroni-switchover', 'live-pt-turbot', pg);
    expect(facts.node).toMatchObject({ inRecovery: true, timeline: 2, checkpointTimeline: 1 });
    expect(facts.receiver?.timeline).toBe(2);
  });
});
