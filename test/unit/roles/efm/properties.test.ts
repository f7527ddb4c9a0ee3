/**
 * The rendered <cluster>.properties, key by key, against the fixture of
 * EFM's own property names (test/fixtures/efm/properties.json). EFM before
 * 5.1 ignores a misspelt property, so every key m1 writes must be a property
 * of the configured EFM version, and every value must be the one asked for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import type { Cluster, Instance } from '../../../../src/inventory/cluster.js';
import { KNOWN_PROPERTIES } from '../../../../src/products/efm/knownProperties.js';
import { efmNodeInstances } from '../../../../src/products/efm/nodes.js';
import { type EfmLive, efmProperties } from '../../../../src/products/efm/properties.js';
import { byName, cascadedLayout, defaultLayout } from './clusters.js';

interface FixtureProperty {
  name: string;
  section: string;
  since: string;
  until?: string;
  requiredOn: ('A' | 'W')[];
  sameOnAllNodes: boolean;
  default: string | null;
  blankMeansDefault?: boolean;
}
interface Fixture {
  sources: Record<string, { title: string; url?: string; file?: string }>;
  properties: FixtureProperty[];
  tpaReference: { named: string[]; values: Record<string, string>; overridesOfEfmDefaults: string[] };
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../fixtures/efm/properties.json'), 'utf8'),
) as Fixture;
const byProperty = new Map(fixture.properties.map((p) => [p.name, p]));

const num = (v: string) => v.split('.').map(Number) as [number, number];
const atLeast = (v: string, min: string) => {
  const [a, b] = num(v);
  const [c, d] = num(min);
  return a !== c ? a > c : b >= d;
};
/** Does EFM `version` read `name`, according to the fixture (not to the code under test)? */
const inVersion = (p: FixtureProperty, version: string) =>
  atLeast(version, p.since) && (p.until === undefined || !atLeast(version, p.until));

/** Properties whose value m1 computes per node or per cluster (checked one by one below). */
const COMPUTED = new Set([
  'db.password.encrypted', 'db.port', 'db.user', 'db.database', 'db.service.owner', 'db.service.name', 'db.bin',
  'db.data.dir', 'script.notification', 'bind.address', 'is.witness', 'auto.reconfigure', 'promotable',
  'application.name', 'syslog.host', 'syslog.enabled',
]);

/** Every key a known property of `version`; values EFM's defaults unless computed, overridden or set by the user. */
function expectEfmProperties(props: Map<string, string>, version: string, userKeys: Set<string> = new Set()) {
  for (const [key, value] of props) {
    const p = byProperty.get(key);
    if (userKeys.has(key)) continue;
    expect(p, `${key} is not an EFM property`).toBeDefined();
    expect(inVersion(p!, version), `${key} is not a property of EFM ${version}`).toBe(true);
    if (COMPUTED.has(key) || fixture.tpaReference.overridesOfEfmDefaults.includes(key)) continue;
    const blankOk = value === '' && (p!.default === null || p!.blankMeansDefault === true);
    expect(blankOk || value === p!.default, `${key}=${value}, EFM's default is ${p!.default}`).toBe(true);
  }
}

/** EFM's docs mark some properties required on primary/standby (A) or witness (W) nodes. */
function expectRequired(props: Map<string, string>, version: string, witness: boolean) {
  for (const p of fixture.properties) {
    if (!inVersion(p, version)) continue;
    if (p.requiredOn.includes(witness ? 'W' : 'A')) expect(props.has(p.name), `${p.name} is required`).toBe(true);
  }
}

function allNodes(c: Cluster, live: EfmLive = {}) {
  return efmNodeInstances(c).map((i) => ({ instance: i, ...efmProperties(c, i, live) }));
}

function expectSameOnAllNodes(nodes: { properties: Map<string, string> }[]) {
  for (const p of fixture.properties.filter((x) => x.sameOnAllNodes)) {
    const values = new Set(nodes.map((n) => n.properties.get(p.name)));
    expect(values.size, `${p.name} differs between nodes: ${[...values].join(' / ')}`).toBe(1);
  }
}

describe('the fixture of EFM property names', () => {
  it('cites the EFM documentation for every property', () => {
    expect(fixture.sources['efm5']?.url).toMatch(/\/efm\/latest\/04_configuring_efm\/01_cluster_properties\/$/);
    expect(fixture.sources['efm4']?.url).toMatch(/\/efm\/4\/04_configuring_efm\/01_cluster_properties\/$/);
    for (const p of fixture.properties) expect(p.section, p.name).toMatch(/^#[a-z_]+$/);
  });

  it('agrees with the list m1 ships (names and versions)', () => {
    const code = KNOWN_PROPERTIES.map((p) => ({ name: p.name, since: p.since, until: p.until }));
    const fix = fixture.properties.map((p) => ({ name: p.name, since: p.since, until: p.until }));
    expect(code).toEqual(fix);
  });

  it('knows every property reference 5.2 says TPA writes', () => {
    for (const name of fixture.tpaReference.named) expect(byProperty.has(name), name).toBe(true);
  });
});

describe('efmProperties: default layout (primary, replica, witness)', () => {
  const c = defaultLayout();
  const nodes = allNodes(c);
  const get = (name: string) => nodes.find((n) => n.instance.name === name)!.properties;

  it('writes only properties of EFM 4.9 (the default version), with EFM defaults elsewhere', () => {
    expect(nodes.map((n) => n.instance.name)).toEqual(['quash', 'quack', 'quarto']);
    for (const n of nodes) {
      expectEfmProperties(n.properties, '4.9');
      expectRequired(n.properties, '4.9', n.instance.name === 'quarto');
      expect(n.warnings).toEqual([]);
    }
    expectSameOnAllNodes(nodes);
  });

  it('computes the per-node properties from the instances', () => {
    for (const n of nodes) {
      const p = n.properties;
      const i = n.instance;
      expect(p.get('bind.address')).toBe(`${i.ipAddress}:7800`);
      expect(p.get('application.name')).toBe(i.name);
      expect(p.get('db.user')).toBe('efm');
      expect(p.get('db.port')).toBe('5432');
      expect(p.get('db.bin')).toBe(`/usr/lib/postgresql/${c.postgresVersion}/bin`);
      expect(p.get('db.data.dir')).toBe('/opt/postgres/data');
      expect(p.get('script.notification')).toBe(`/etc/edb/efm-4.9/${c.name}-efm.notification.sh`);
    }
    expect(get('quash').get('is.witness')).toBe('false');
    expect(get('quack').get('is.witness')).toBe('false');
    expect(get('quarto').get('is.witness')).toBe('true');
    expect(get('quash').get('promotable')).toBe('true');
    expect(get('quack').get('promotable')).toBe('true');
    expect(get('quarto').get('promotable')).toBe('false');
    for (const n of ['quash', 'quack']) expect(get(n).get('auto.reconfigure')).toBe('true');
  });

  it('sends the agents of non-log-server nodes to syslog (quarto is the log server)', () => {
    expect(get('quash').get('syslog.enabled')).toBe('true');
    expect(get('quash').get('syslog.host')).toBe('quash');
    expect(get('quarto').get('syslog.enabled')).toBe('false');
    expect(get('quarto').get('syslog.host')).toBe('localhost');
  });

  it('leaves the encrypted password out until efm encrypt has run, then writes it second', () => {
    expect(get('quash').has('db.password.encrypted')).toBe(false);
    expect(nodes[0]!.leftOut.map((l) => l.key)).toEqual(['db.password.encrypted']);
    const withPassword = efmProperties(c, byName(c, 'quash'), { encryptedPassword: '7ceecd8965fa7a5c330eaa9e43696f83' });
    expect([...withPassword.properties.keys()].slice(0, 3)).toEqual(['db.user', 'db.password.encrypted', 'db.port']);
    expect(withPassword.properties.get('db.password.encrypted')).toBe('7ceecd8965fa7a5c330eaa9e43696f83');
    expect(withPassword.leftOut).toEqual([]);
    expect(() => efmProperties(c, byName(c, 'quash'), { encryptedPassword: 'a\nvirtual.ip=1.2.3.4' })).toThrow(/one non-empty line/);
  });

  it('writes what reference 5.2 says TPA writes, with its values (EFM 5.2, PostgreSQL 16)', () => {
    const c52 = defaultLayout({ efm_version: '5.2' });
    const [primary, , witness] = allNodes(c52, { encryptedPassword: 'abcdef0123456789' });
    for (const n of [primary!, witness!]) {
      expectEfmProperties(n.properties, '5.2');
      expectRequired(n.properties, '5.2', n === witness);
    }
    for (const name of fixture.tpaReference.named) expect(primary!.properties.has(name), name).toBe(true);
    for (const [k, v] of Object.entries(fixture.tpaReference.values)) expect(primary!.properties.get(k), k).toBe(v);
    // The 4.x name is gone in 5.x (EFM 5.1+ would refuse to start with it).
    expect(primary!.properties.has('auto.resume.period')).toBe(false);
  });

  it('writes the 4.x resume property and none of the 5.x ones for EFM 4.9', () => {
    const p = get('quash');
    expect(p.get('auto.resume.period')).toBe('0');
    for (const name of ['backup.wal', 'check.num.sync.period', 'auto.resume.startup.period', 'auto.rewind', 'jdbc.loglevel', 'check.vip.timeout', 'release.vip.background']) {
      expect(p.has(name), name).toBe(false);
    }
  });
});

describe('efmProperties: the bad day (what fences an isolated primary under EFM)', () => {
  it('an isolated or failed primary stops its own Postgres (EFM agents on every node, the witness counted), on every node alike', () => {
    const nodes = allNodes(defaultLayout());
    for (const n of nodes) {
      expect(n.properties.get('stop.isolated.primary')).toBe('true');
      expect(n.properties.get('stop.failed.primary')).toBe('true');
      // No VIP to release and no fencing script unless config.yml asks: entry points follow through the PgBouncer script.
      expect(n.properties.get('virtual.ip')).toBe('');
      expect(n.properties.get('script.fence')).toBe('');
    }
    expect(nodes.filter((n) => n.properties.get('is.witness') === 'true').map((n) => n.instance.name)).toEqual(['quarto']);
  });

  it('a fencing script or a script for the isolated primary comes from efm_conf_settings, as given', () => {
    const c = defaultLayout({ efm_conf_settings: { 'script.fence': '/usr/local/bin/stonith %p %f', 'script.primary.isolated': '/usr/local/bin/isolated' } });
    for (const n of allNodes(c)) {
      expect(n.properties.get('script.fence')).toBe('/usr/local/bin/stonith %p %f');
      expect(n.properties.get('script.primary.isolated')).toBe('/usr/local/bin/isolated');
      expect(n.warnings).toEqual([]);
    }
  });
});

describe('efmProperties: efm_bind_by_hostname', () => {
  const c = defaultLayout({ efm_bind_by_hostname: true });
  it('binds by hostname on every node', () => {
    const nodes = allNodes(c);
    for (const n of nodes) {
      expect(n.properties.get('bind.address')).toBe(`${n.instance.name}:7800`);
      expectEfmProperties(n.properties, '4.9');
    }
    expectSameOnAllNodes(nodes);
  });
  it('needs an IP address only without it', () => {
    const noIp = defaultLayout();
    byName(noIp, 'quack').ipAddress = undefined;
    expect(() => efmProperties(noIp, byName(noIp, 'quack'))).toThrow(ConfigError);
    const hostname = defaultLayout({ efm_bind_by_hostname: true });
    byName(hostname, 'quack').ipAddress = undefined;
    expect(efmProperties(hostname, byName(hostname, 'quack')).properties.get('bind.address')).toBe('quack:7800');
  });
});

describe('efmProperties: a cascaded standby', () => {
  const c = cascadedLayout();
  const nodes = allNodes(c);
  const get = (name: string) => nodes.find((n) => n.instance.name === name)!.properties;

  it('is neither promotable nor reconfigured; replicas of the primary are both', () => {
    expect(get('karakul').get('promotable')).toBe('false');
    expect(get('karakul').get('auto.reconfigure')).toBe('false');
    for (const name of ['kaftan', 'kaput']) {
      expect(get(name).get('promotable'), name).toBe('true');
      expect(get(name).get('auto.reconfigure'), name).toBe('true');
    }
    for (const n of nodes) expectEfmProperties(n.properties, '4.9');
    expectSameOnAllNodes(nodes);
  });

  it('follows the live topology after a switchover', () => {
    // kaftan was promoted: kaboom now streams from it, kaput and karakul are unchanged.
    const live: EfmLive = { topology: { primary: 'kaftan', upstreams: { kaboom: 'kaftan', kaput: 'kaftan', karakul: 'kaput' } } };
    const after = (name: string) => efmProperties(c, byName(c, name), live).properties;
    expect(after('kaftan').get('promotable')).toBe('true');
    expect(after('kaboom').get('promotable')).toBe('true');
    expect(after('kaboom').get('auto.reconfigure')).toBe('true');
    expect(after('karakul').get('promotable')).toBe('false');
  });
});

describe('efmProperties: efm_conf_settings', () => {
  const vip = { 'virtual.ip': '10.33.48.230', 'virtual.ip.interface': 'eth0', 'virtual.ip.prefix': 24 };

  it('sets a VIP on every node, each key in its usual place, without warnings', () => {
    const c = defaultLayout({ efm_conf_settings: vip });
    const plain = efmProperties(defaultLayout(), byName(c, 'quash')).properties;
    const nodes = allNodes(c);
    for (const n of nodes) {
      expect(n.properties.get('virtual.ip')).toBe('10.33.48.230');
      expect(n.properties.get('virtual.ip.interface')).toBe('eth0');
      expect(n.properties.get('virtual.ip.prefix')).toBe('24');
      expect([...n.properties.keys()]).toEqual([...plain.keys()]);
      expect(n.warnings).toEqual([]);
      expectEfmProperties(n.properties, '4.9', new Set(Object.keys(vip)));
    }
    expectSameOnAllNodes(nodes);
  });

  it('overrides any property, including TPA choices and per-node values', () => {
    const c = defaultLayout({ efm_conf_settings: { 'stable.nodes.file': false, 'ping.server.ip': '10.33.48.225', promotable: false } });
    const p = efmProperties(c, byName(c, 'quack')).properties;
    expect(p.get('stable.nodes.file')).toBe('false');
    expect(p.get('ping.server.ip')).toBe('10.33.48.225');
    expect(p.get('promotable')).toBe('false');
  });

  it('warns about a misspelt property with the name meant, and writes it as given', () => {
    const c = defaultLayout({ efm_conf_settings: { 'virtual.ipp': '10.33.48.230', 'virtual_ip_prefix': 24 } });
    const r = efmProperties(c, byName(c, 'quash'));
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/cluster_vars\.efm_conf_settings\['virtual\.ipp'\]: not an EFM property; did you mean 'virtual\.ip'\?/);
    expect(r.warnings[0]).toMatch(/EFM 4\.9 ignores it silently/);
    expect(r.warnings[1]).toMatch(/did you mean 'virtual\.ip\.prefix'\?/);
    expect(r.properties.get('virtual.ipp')).toBe('10.33.48.230');
    expect(r.properties.get('virtual.ip')).toBe('');
  });

  it('warns about properties of another EFM version, and that 5.1+ refuses to start', () => {
    const old = defaultLayout({ efm_conf_settings: { 'auto.rewind': true } });
    expect(efmProperties(old, byName(old, 'quash')).warnings[0]).toMatch(/not a property of EFM 4\.9, it appeared in EFM 5\.1/);
    const recent = defaultLayout({ efm_version: '5.2', efm_conf_settings: { 'auto.resume.period': 30 } });
    const w = efmProperties(recent, byName(recent, 'quash')).warnings[0];
    expect(w).toMatch(/EFM 5\.0 replaced it with auto\.resume\.startup\.period and auto\.resume\.failure\.period/);
    expect(w).toMatch(/EFM 5\.2 refuses to start/);
  });

  it('rejects values that cannot be one property line', () => {
    for (const bad of [{ 'virtual.ip': ['a'] }, { 'virtual.ip': 'a\nb' }, { 'bad key': 1 }]) {
      const c = defaultLayout({ efm_conf_settings: bad });
      expect(() => efmProperties(c, byName(c, 'quash'))).toThrow(ConfigError);
    }
  });

  it('lets an instance’s own efm_conf_settings override keys one by one', () => {
    const c = defaultLayout({ efm_conf_settings: vip });
    byName(c, 'quack').vars['efm_conf_settings'] = { 'virtual.ip': '10.33.48.231', 'virtual.ip.single': false };
    const p = efmProperties(c, byName(c, 'quack')).properties;
    expect(p.get('virtual.ip')).toBe('10.33.48.231');
    expect(p.get('virtual.ip.single')).toBe('false');
    expect(p.get('virtual.ip.interface')).toBe('eth0');
    expect(efmProperties(c, byName(c, 'quash')).properties.get('virtual.ip')).toBe('10.33.48.230');
  });

  it('names the instance in warnings about its own keys', () => {
    const c = defaultLayout();
    byName(c, 'quack').vars['efm_conf_settings'] = { 'promotible': false };
    expect(efmProperties(c, byName(c, 'quack')).warnings[0]).toMatch(
      /instances\[quack\]\.vars\.efm_conf_settings\['promotible'\]: not an EFM property; did you mean 'promotable'\?/,
    );
  });
});

describe('efmProperties: edge cases', () => {
  it('PostgreSQL 11: no slot updates, no reconfiguration (as TPA)', () => {
    const c = { ...defaultLayout(), postgresVersion: 11 as const };
    const p = efmProperties(c, byName(c, 'quack')).properties;
    expect(p.has('update.physical.slots.period')).toBe(false);
    expect(p.get('auto.reconfigure')).toBe('false');
  });

  it('a single-node cluster has no EFM node', () => {
    const c = defaultLayout();
    c.instances = c.instances.filter((i: Instance) => i.name === 'quash');
    expect(efmNodeInstances(c)).toEqual([]);
    expect(() => efmProperties(c, byName(c, 'quash'))).toThrow(/not an EFM node/);
  });

  it('rejects an unknown or unquoted-looking EFM version', () => {
    for (const v of ['6.0', 'latest', [4]]) {
      const c = defaultLayout({ efm_version: v });
      expect(() => efmProperties(c, byName(c, 'quash'))).toThrow(ConfigError);
    }
  });
});
