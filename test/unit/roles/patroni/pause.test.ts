import { describe, expect, it } from 'vitest';
import { patroniConfigFile, patroniEtcd3, type PatroniSecrets } from '../../../../src/products/patroni/localConfig.js';
import { etcdSettingsDiffer, liveLocalApi, parseLiveConfig, pauseRequest, reportsPaused } from '../../../../src/products/patroni/pause.js';
import { instance, patroniCluster } from './fixture.js';

const cluster = patroniCluster();
const secrets: PatroniSecrets = { superuser: 's', replication: 'r', restApi: 'a', etcd: 'e"t: c#d' };

// The patroni.yml m1 wrote before etcd and the REST API spoke TLS (etcd3: hosts only, restapi without certfile).
const BEFORE = `scope: patroni1
namespace: /m1/
name: kaboom
restapi:
  listen: 0.0.0.0:8008
  connect_address: 10.33.0.2:8008
  authentication:
    username: patroni
    password: "a"
etcd3:
  hosts:
    - 10.33.0.5:2379
    - 10.33.0.6:2379
    - 10.33.0.7:2379
`;

describe("deploy's pause around new etcd settings", () => {
  it('reads what a running member was started with: its etcd3 section and whether its API speaks TLS', () => {
    const before = parseLiveConfig(BEFORE)!;
    expect(before).toEqual({ etcd3: { hosts: ['10.33.0.5:2379', '10.33.0.6:2379', '10.33.0.7:2379'] }, restTls: false });
    const now = parseLiveConfig(patroniConfigFile({ cluster, instance: instance(cluster, 'kaboom'), secrets }))!;
    expect(now.restTls).toBe(true);
    expect(now.etcd3).toEqual(patroniEtcd3(cluster, secrets.etcd));
    expect(parseLiveConfig('just text')).toBeUndefined();
    expect(parseLiveConfig('a: [unclosed')).toBeUndefined();
  });

  it('a member must restart when its etcd3 section differs in how it connects (TLS, CA, hosts), not for a new password (a reload takes it)', () => {
    const want = patroniEtcd3(cluster, secrets.etcd);
    expect(etcdSettingsDiffer(parseLiveConfig(BEFORE)!, want)).toBe(true);
    expect(etcdSettingsDiffer({ etcd3: want, restTls: true }, want)).toBe(false);
    expect(etcdSettingsDiffer({ etcd3: { ...want, password: 'other' }, restTls: true }, want)).toBe(false);
    expect(etcdSettingsDiffer({ etcd3: { ...want, cacert: '/elsewhere' }, restTls: true }, want)).toBe(true);
    expect(etcdSettingsDiffer({ etcd3: { ...want, hosts: ['10.33.0.5:2379'] }, restTls: true }, want)).toBe(true);
    expect(etcdSettingsDiffer({ restTls: true }, want)).toBe(true);
  });

  it('talks to a member as its running configuration serves: plain HTTP on the loopback before the switch, TLS under its name after', () => {
    const kaboom = instance(cluster, 'kaboom');
    expect(liveLocalApi(cluster, kaboom, { restTls: false })).toEqual({ url: 'http://127.0.0.1:8008' });
    expect(liveLocalApi(cluster, kaboom, { restTls: true })).toEqual({ url: 'https://kaboom:8008', caFile: '/etc/m1/ssl/ca.crt', resolve: 'kaboom:8008:127.0.0.1' });
  });

  it("pauses and resumes as patronictl does, with the API's password; reads the pause from GET /patroni (Patroni 3.0.2)", () => {
    expect(pauseRequest(true)).toEqual({ method: 'PATCH', path: '/config', body: { pause: true }, auth: true, timeoutSeconds: 10 });
    expect(pauseRequest(false).body).toEqual({ pause: false });
    expect(reportsPaused('{"state": "running", "role": "master", "server_version": 150018, "timeline": 1, "pause": true, "patroni": {"version": "3.0.2", "scope": "c"}}')).toBe(true);
    expect(reportsPaused('{"state": "running", "role": "master", "timeline": 1}')).toBe(false);
    expect(reportsPaused('curl: (7)')).toBe(false);
  });
});
