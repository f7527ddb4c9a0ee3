/**
 * Debian 11 (bullseye) as the host release: PostgreSQL 13, repmgr 5.2.0,
 * Barman 2.12, PgBouncer 1.15 from Debian's archive (the image
 * m1/debian-packages:bullseye has them preinstalled). A repmgr cluster with
 * PgBouncer deploys, passes m1 test, switches over to the replica, and a
 * redeploy changes nothing. Skipped unless the image is on the engine (CI
 * does not build it): `bash docker/build-test-image.sh bullseye` first
 * (about 3 minutes); the file then takes about 2 minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { m1, sql } from '../support/m1.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { ensureReleaseImage, releaseImage, releaseScenarioRuns } from '../support/image.js';

const IMAGE = releaseImage('bullseye');


const NAME = e2eClusterName('m1e2eb-d11');
let c: ProvisionedTestCluster;
let primary: string;
let replica: string;

const ssh = async (host: string, cmd: string) => {
  const r = await c.ssh(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};

describe.skipIf(!releaseScenarioRuns('bullseye'))('a repmgr cluster with PgBouncer on Debian 11 (bullseye)', () => {
  beforeAll(async () => {
    ensureReleaseImage('bullseye');
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '13', failoverManager: 'repmgr', osVersion: '11', enablePgbouncer: true, locationNames: ['a'] },
      image: IMAGE,
      fresh: true,
    });
    primary = c.cluster.instances.find((i) => i.roles.includes('primary'))!.name;
    replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('deploys on the release Debian 11 ships (PostgreSQL 13, repmgr 5.2, Barman 2.12, PgBouncer 1.15)', async () => {
    const d = await m1('deploy', c.dir);
    expect(d.code, d.out + d.err).toBe(0);
    expect(await sql(c, primary, 'SHOW server_version_num')).toMatch(/^130/);
    expect(await ssh(primary, 'repmgr --version')).toMatch(/repmgr 5\.2\./);
    // PgBouncer 1.15 is built without systemd support: m1's unit is Type=simple there.
    expect(await ssh(primary, 'systemctl show -p Type --value pgbouncer.service')).toBe('simple\n');
    expect(await ssh(primary, 'systemctl show -p FragmentPath --value pgbouncer.service')).toBe('/etc/systemd/system/pgbouncer.service\n');
  });

  it('m1 test passes: writes, replication, PgBouncer, Barman, repmgr', async () => {
    const t = await m1('test', c.dir);
    expect(t.code, t.out + t.err).toBe(0);
    expect(t.out).toMatch(/PASS\s+barman check/);
    expect(t.out).not.toMatch(/^FAIL/m);
  });

  it('switches over to the replica, and a redeploy then changes nothing', async () => {
    const s = await m1('switchover', c.dir, replica);
    expect(s.code, s.out + s.err).toBe(0);
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out + again.err).toMatch(/nothing to change/);
    const t = await m1('test', c.dir);
    expect(t.code, t.out + t.err).toBe(0);
    expect(t.out).toMatch(new RegExp(`PASS\\s+exactly one primary\\s+${replica}`));
  });
});
