import { describe, expect, it } from 'vitest';
import {
  nodeRejoinCommand,
  primaryRegisterCommand,
  standbyCloneCommand,
  standbyRegisterCommand,
  standbyFollowCommand,
  standbySwitchoverCommand,
  unregisterCommand,
  upstreamConninfo,
  witnessRegisterCommand,
} from '../../../../src/products/repmgr/commands.js';
import { repmgrServiceUnit } from '../../../../src/products/repmgr/service.js';
import { dropInactiveSlotSql, ensurePhysicalSlotSql, parseRepmgrNodes, placeholderNodeSql, registrationNeeded } from '../../../../src/products/repmgr/sql.js';
import { repmgrEnabled } from '../../../../src/products/repmgr/enabled.js';
import { nodeConninfo } from '../../../../src/products/repmgr/repmgrConf.js';
import { defaultCluster } from '../fixtures.js';

const R = '/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf';

describe('repmgr command lines', () => {
  it('registers the primary', () => {
    expect(primaryRegisterCommand(15)).toBe(`${R} primary register --verbose`);
  });

  it('clones from a source while pointing recovery at the intended upstream', () => {
    const cmd = standbyCloneCommand({ version: 15, me: 'delta', source: 'alpha', upstream: 'gamma' });
    expect(cmd).toBe(
      `${R} -d 'host=alpha port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' standby clone -F --fast-checkpoint ` +
        `--upstream-conninfo 'host=gamma port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt application_name=delta passfile=/var/lib/postgresql/.pgpass' --verbose`,
    );
    expect(upstreamConninfo('gamma', 'delta')).toContain('application_name=delta');
  });

  it('registers a standby under its upstream node id', () => {
    expect(standbyRegisterCommand(15, 3)).toBe(`${R} standby register --upstream-node-id 3 --force --wait-sync=60 --verbose`);
  });

  it('registers the witness against the live primary', () => {
    expect(witnessRegisterCommand(15, 'beta')).toBe(`${R} witness register -h beta -p 5432 -U repmgr -d repmgr --verbose`);
  });

  it('rejoins a former primary with pg_rewind', () => {
    expect(nodeRejoinCommand(15, 'beta')).toBe(`${R} -d 'host=beta port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' node rejoin --force-rewind --verbose`);
  });

  it('follows another upstream (a standby too), waiting until it streams; unregisters a node by id from a running node', () => {
    expect(standbyFollowCommand(15, 2)).toBe(`${R} standby follow --wait --upstream-node-id=2 --verbose`);
    expect(unregisterCommand(15, 'standby', 4)).toBe(`${R} standby unregister --node-id=4 --verbose`);
    expect(unregisterCommand(15, 'witness', 3)).toBe(`${R} witness unregister --node-id=3 --verbose`);
  });

  it('switches over with siblings following', () => {
    expect(standbySwitchoverCommand(16)).toBe('/usr/lib/postgresql/16/bin/repmgr -f /etc/repmgr/16/repmgr.conf standby switchover --siblings-follow --verbose');
  });
});

describe('repmgr.service', () => {
  it('runs the versioned repmgrd in the foreground as postgres', () => {
    const unit = repmgrServiceUnit(15);
    expect(unit).toMatch(/^ExecStart=\/usr\/lib\/postgresql\/15\/bin\/repmgrd -f \/etc\/repmgr\/15\/repmgr\.conf --daemonize=false --no-pid-file$/m);
    expect(unit).toMatch(/^User=postgres$/m);
    expect(unit).toMatch(/^After=postgres\.service/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });
});

describe('registration', () => {
  const rows = parseRepmgrNodes('1|alpha|primary||t\n2|beta|standby|1|t\n3|gamma|witness|1|t\n');
  it('parses repmgr.nodes', () => {
    expect(rows[1]).toEqual({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1, active: true });
    expect(rows[0]!.upstreamNodeId).toBeUndefined();
  });
  it('registers what is missing or moved, leaves the rest', () => {
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1 }, rows)).toBe('ok');
    expect(registrationNeeded({ nodeId: 4, name: 'delta', type: 'standby', upstreamNodeId: 1 }, rows)).toEqual({ register: 'not in repmgr.nodes' });
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 3 }, rows)).toEqual({ register: 'registered upstream node 1, streams from node 3' });
    expect(registrationNeeded({ nodeId: 1, name: 'alpha', type: 'standby', upstreamNodeId: 2 }, rows)).toEqual({ register: 'registered as primary' });
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1 }, parseRepmgrNodes('2|beta|standby|1|f\n'))).toEqual({ register: 'marked inactive' });
  });
  it("registers again a node whose record holds another conninfo (one from before the servers were verified): peers and a standby's primary_conninfo read the record", () => {
    const verified = nodeConninfo('beta');
    expect(verified).toContain('sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt');
    const old = parseRepmgrNodes(`2|beta|standby|1|t|host=beta port=5432 dbname=repmgr user=repmgr application_name=beta connect_timeout=2\n`);
    expect(old[0]!.conninfo).toBe('host=beta port=5432 dbname=repmgr user=repmgr application_name=beta connect_timeout=2');
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1, conninfo: verified }, old)).toEqual({
      register: 'registered with another conninfo: host=beta port=5432 dbname=repmgr user=repmgr application_name=beta connect_timeout=2',
    });
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1, conninfo: verified }, parseRepmgrNodes(`2|beta|standby|1|t|${verified}\n`))).toBe('ok');
    // A reading without the column (an older catalog query) decides nothing about it.
    expect(registrationNeeded({ nodeId: 2, name: 'beta', type: 'standby', upstreamNodeId: 1, conninfo: verified }, rows)).toBe('ok');
  });
  it('refuses a node id held by another name or a type change it cannot explain', () => {
    expect(registrationNeeded({ nodeId: 2, name: 'zeta', type: 'standby', upstreamNodeId: 1 }, rows)).toEqual({ conflict: 'repmgr node id 2 belongs to beta, not zeta' });
    expect(registrationNeeded({ nodeId: 3, name: 'gamma', type: 'standby', upstreamNodeId: 1 }, rows)).toEqual({ conflict: 'gamma is registered as witness, expected standby' });
  });
});

describe('repmgr SQL', () => {
  it('creates a slot only when missing, drops only an inactive one', () => {
    expect(ensurePhysicalSlotSql('repmgr_slot_2')).toContain("pg_create_physical_replication_slot('repmgr_slot_2', true)\n  WHERE NOT EXISTS");
    expect(dropInactiveSlotSql('backup_gamma')).toContain("WHERE slot_name = 'backup_gamma' AND NOT active");
  });
  it('inserts an inactive placeholder record that never overwrites a real one', () => {
    const sql = placeholderNodeSql(15, { nodeId: 3, name: 'gamma', conninfo: 'host=gamma port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' });
    expect(sql).toContain("VALUES (3, NULL, false, 'gamma', 'standby'");
    expect(sql).toContain('ON CONFLICT (node_id) DO NOTHING');
  });
});

describe('repmgrEnabled', () => {
  it('needs a replica: a single-node cluster gets no repmgr', () => {
    expect(repmgrEnabled(defaultCluster())).toBe(true);
    const single = defaultCluster();
    single.instances = single.instances.filter((i) => !i.roles.includes('replica'));
    expect(repmgrEnabled(single)).toBe(false);
  });
});
