/**
 * Patroni with PgBouncer as TPA's own configure wrote it (`tpaexec configure
 * --failover-manager patroni --enable-pgbouncer --platform docker`:
 * test/fixtures/tpa-configs/patroni-pgbouncer.yml, unedited, image
 * tpa/debian:12; PgBouncer on both data nodes, Barman, three etcd members),
 * on the packages image (M1_DEBIAN_IMAGE=m1/debian-packages), deployed by
 * `m1 deploy`: `m1 test` passes and a second deploy changes nothing; a write
 * through every PgBouncer (6432, from the test machine) lands on the leader;
 * after `patronictl switchover` Patroni's on_role_change callback points
 * every PgBouncer at the new leader, and a redeploy keeps it there, changing
 * nothing on the data nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patroniMembers } from '../../../src/products/patroni/members.js';
import type { DeployOutcome } from '../../../playbooks/deploy/deploy.js';
import { hasRole } from '../../../src/inventory/cluster.js';
import { DEBIAN_IMAGE_VARIABLE } from '../../../src/platforms/docker/imageName.js';
import { provisionTpaConfig, type TpaTestCluster } from '../../support/tpaConfigs.js';
import { m1 } from '../support/m1.js';
import { deployLogged, addressOf, landsOn, likeFreshHosts, localSql, patronictlList, switchover, within, writeQuery } from './support.js';

const PGBOUNCER_PORT = 6432;
const savedImage = process.env[DEBIAN_IMAGE_VARIABLE];
let tc: TpaTestCluster;
let data: string[];
let bouncers: string[];
const log: string[] = [];

const deploy = (): Promise<DeployOutcome> => deployLogged(tc, log);

async function leader(): Promise<string> {
  const s = await patronictlList(tc, data[0]!);
  if (!s.leader) throw new Error(`no leader: ${JSON.stringify(s.members)}`);
  return s.leader;
}

/** Writes through every PgBouncer; where each landed (address), or undefined when it failed. */
async function writeThroughEvery(tag: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const b of bouncers) {
    const landed = await landsOn(tc, addressOf(tc, b), PGBOUNCER_PORT, writeQuery(`${b}:${PGBOUNCER_PORT} ${tag}`));
    out[b] = landed && !landed.inRecovery ? landed.server : undefined;
  }
  return out;
}

const everyOn = (address: string) => Object.fromEntries(bouncers.map((b) => [b, address]));

beforeAll(async () => {
  process.env[DEBIAN_IMAGE_VARIABLE] = 'm1/debian-packages';
  tc = await provisionTpaConfig('patroni-pgbouncer');
  data = patroniMembers(tc.cluster).map((m) => m.name);
  bouncers = tc.cluster.instances.filter((i) => hasRole(i, 'pgbouncer')).map((i) => i.name);
  await likeFreshHosts(tc);
  await deploy();
}, 1_200_000);

afterAll(async () => {
  if (!process.env.M1E2EP_KEEP) await tc?.teardown();
  if (savedImage === undefined) delete process.env[DEBIAN_IMAGE_VARIABLE];
  else process.env[DEBIAN_IMAGE_VARIABLE] = savedImage;
});

describe("Patroni + PgBouncer: TPA's config.yml", () => {
  it("runs m1's packages image for TPA's tpa/debian:12, said once", () => {
    const said = tc.provisionLines.filter((l) => l.startsWith('image tpa/debian:12'));
    expect(said).toEqual(["image tpa/debian:12 is TPA's Debian 12: m1 runs m1/debian-packages:bookworm for it (M1_DEBIAN_IMAGE=m1/debian-packages)"]);
  });

  it('m1 test passes; a second deploy changes nothing', async () => {
    const t = await m1('test', tc.dir);
    expect(t.code, t.out + t.err).toBe(0);
    expect(t.out).toMatch(/all \d+ checks passed/);
    const again = await deploy();
    expect(Object.values(again.result.recap).map((r) => r.changed)).toEqual(tc.cluster.instances.map(() => 0));
  });

  it('a write through every PgBouncer lands on the leader', async () => {
    expect(bouncers.length).toBeGreaterThanOrEqual(2);
    const l = await leader();
    expect(await writeThroughEvery('before switchover')).toEqual(everyOn(addressOf(tc, l)));
  });

  it('after a switchover, a write through every PgBouncer lands on the new leader; a redeploy keeps it and changes nothing on the data nodes', async () => {
    const old = await leader();
    const target = data.find((d) => d !== old)!;
    const t0 = Date.now();
    await switchover(tc, old, target);
    const followed = await within(async () => JSON.stringify(await writeThroughEvery('after switchover')) === JSON.stringify(everyOn(addressOf(tc, target))), 30_000, 500);
    console.log(`switchover ${old} -> ${target}: every PgBouncer wrote to the new leader ${followed === undefined ? 'never' : `${Date.now() - t0} ms after the switchover started`}`);
    expect(followed).toBeDefined();
    expect(Number(await localSql(tc, target, `SELECT count(*) FROM m1e2ep_writes WHERE via LIKE '%after switchover'`, 'app'))).toBeGreaterThanOrEqual(bouncers.length);

    const again = await deploy();
    expect(await leader()).toBe(target);
    expect(Object.fromEntries(data.map((h) => [h, again.result.recap[h]?.changed]))).toEqual(Object.fromEntries(data.map((h) => [h, 0])));
    expect(await writeThroughEvery('after redeploy')).toEqual(everyOn(addressOf(tc, target)));
  });
});
