/**
 * The three failover managers through their one interface: what each adds
 * to a host's packages, its Postgres, the reading of a host, and how a
 * member's entry in its view is judged.
 */
import { describe, expect, it } from 'vitest';
import { MANAGERS, managerFor } from '../../../roles/managers.js';
import { viewSource, type FmNode, type ManagerFacts } from '../../../roles/failoverManager.js';
import { FAILOVER_MANAGERS } from '../../../src/inventory/cluster.js';
import { byName, defaultCluster } from './fixtures.js';
import { patroniCluster } from './patroni/fixture.js';
import { defaultLayout } from './efm/clusters.js';

const node = (over: Partial<FmNode>): FmNode => ({ name: 'n1', role: 'standby', state: 'running', ...over });

describe('managerFor', () => {
  it('has an implementation for every failover manager config.yml may name, under that name', () => {
    for (const name of FAILOVER_MANAGERS) expect(MANAGERS[name].name).toBe(name);
    expect(managerFor(patroniCluster()).title).toBe('Patroni');
  });
});

describe('viewSource', () => {
  const c = defaultCluster();
  const efm: NonNullable<ManagerFacts['efm']> = { nodes: {}, allowednodes: [], membershipcoordinator: '', failoverpriority: [], minimumstandbys: 0, missingnodes: [], messages: [] };
  const input = (facts: Record<string, ManagerFacts | undefined>, primary?: string) => ({ cluster: c, facts, primary, nameOf: (h: string) => h });
  const hasEfm = (f: ManagerFacts) => f.efm !== undefined;

  it("reads the live primary's view first, whatever config.yml's order", () => {
    expect(viewSource(input({ alpha: { efm }, beta: { efm } }, 'beta'), hasEfm)).toBe('beta');
  });

  it("falls back to config.yml's order when the primary has no view or there is none", () => {
    expect(viewSource(input({ alpha: {}, beta: { efm }, gamma: { efm } }, 'alpha'), hasEfm)).toBe('beta');
    expect(viewSource(input({ beta: undefined, gamma: { efm } }), hasEfm)).toBe('gamma');
    expect(viewSource(input({ alpha: {} }), hasEfm)).toBeUndefined();
  });
});

describe('repmgr', () => {
  const c = defaultCluster();
  const m = MANAGERS.repmgr;

  it('preloads its library and owns a database and user, once there is a replica (TPA: a single node gets no repmgr)', () => {
    expect(m.postgres(c)).toMatchObject({ preloadLibraries: ['repmgr'], database: { user: 'repmgr', name: 'repmgr' } });
    const single = { ...c, instances: c.instances.filter((i) => i.name === 'alpha') };
    expect(m.postgres(single).preloadLibraries).toEqual([]);
    expect(m.postgres(single).database).toBeUndefined();
    expect(m.packages(single, byName(single, 'alpha'))).toEqual({});
  });

  it('installs repmgr on every Postgres host, the witness included', () => {
    expect(Object.keys(m.packages(c, byName(c, 'gamma')))).toEqual(['repmgr']);
  });

  it('watches the data nodes and the witness, each with postgres and repmgrd', () => {
    expect(m.members(c).map((i) => i.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(m.reading(c, byName(c, 'gamma'))).toEqual({ units: ['postgres', 'repmgr'], repmgr: true });
  });

  it('takes a node as working when repmgr reaches it; warns of a stopped repmgrd and of a recorded upstream that is not the live one (a pause is said once for the cluster)', () => {
    expect(m.problem(node({ state: 'unreachable' }))).toBe('repmgr sees n1 as unreachable');
    expect(m.works(node({}))).toBe(true);
    expect(m.warnings(node({ daemon: 'paused', paused: true, upstream: 'a' }), 'b')).toEqual(["repmgr records a as n1's upstream; it streams from b"]);
    expect(m.warnings(node({ daemon: 'stopped' }), undefined)).toEqual(['repmgrd does not run on n1: no automatic failover from there']);
    expect(m.daemonColumn).toBe('repmgrd');
  });

  it('rejoins a former primary through deploy (repmgr node rejoin --force-rewind in the postgres role)', () => {
    expect(m.rejoin).toBe('deploy');
    expect(m.postgres(c).rejoinAsStandby).toBeDefined();
  });
});

describe('Patroni', () => {
  const c = patroniCluster();
  const m = MANAGERS.patroni;

  it('clones nothing and needs no library: Patroni makes its replicas and, once running, owns the server', () => {
    const pg = m.postgres(c);
    expect(pg.preloadLibraries).toEqual([]);
    expect(pg.cloneReplica).toBeUndefined();
    expect(pg.fence).toBeUndefined();
    expect(pg.runsServer).toBeDefined();
  });

  it('watches the data nodes through its own unit and REST API', () => {
    expect(m.members(c).map((i) => i.name)).toEqual(['kaboom', 'kaftan']);
    expect(m.reading(c, byName(c, 'kaboom'))).toMatchObject({ units: [expect.stringMatching(/^patroni@/)], patroniApi: { name: 'kaboom', port: 8008 } });
    expect(m.reading(c, byName(c, 'kapok'))).toEqual({ units: [] });
  });

  it('takes the leader and streaming replicas as working', () => {
    expect(m.problem(node({ role: 'leader', state: 'running' }))).toBeUndefined();
    expect(m.problem(node({ role: 'replica', state: 'streaming' }))).toBeUndefined();
    expect(m.problem(node({ role: 'replica', state: 'stopped' }))).toBe('Patroni sees n1 as replica stopped');
    expect(m.works(node({ state: 'stopped' }))).toBe(false);
    expect(m.rejoin).not.toBe('deploy');
    expect(m.rejoin !== 'deploy' && m.rejoin.unsupported(c)).toMatch(/Patroni rejoins a former leader by itself/);
  });
});

describe('EFM', () => {
  const c = defaultLayout();
  const m = MANAGERS.efm;

  it('clones replicas with pg_basebackup, needs no library, owns no database of its own', () => {
    expect(m.postgres(c)).toMatchObject({ preloadLibraries: [] });
    expect(m.postgres(c).cloneReplica).toBeDefined();
    expect(m.postgres(c).database).toBeUndefined();
  });

  it('watches the data nodes and the witness agent, which runs no Postgres', () => {
    expect(m.members(c).map((i) => i.name)).toEqual(['quash', 'quack', 'quarto']);
    expect(m.reading(c, byName(c, 'quarto'))).toEqual({ units: ['edb-efm-4.9'], efm: { bin: '/usr/edb/efm-4.9/bin/efm', cluster: 'efm1' } });
    expect(m.reading(c, byName(c, 'quash')).units).toEqual(['postgres', 'edb-efm-4.9']);
  });

  it('needs the subscription token before deploy touches a host, unless --skip-packages efm', () => {
    expect(() => m.gate(c, {}, new Set())).toThrow(/EDB_SUBSCRIPTION_TOKEN/);
    expect(m.gate(c, {}, new Set(['efm'])).token).toBeUndefined();
  });

  it('a missing node is a problem; a witness has no database to be UP', () => {
    expect(m.problem(node({ role: 'missing', state: 'missing' }))).toBe('EFM misses n1');
    expect(m.works(node({ role: 'witness', state: 'N/A' }))).toBe(true);
    expect(m.works(node({ role: 'standby', state: 'DOWN' }))).toBe(false);
  });
});
