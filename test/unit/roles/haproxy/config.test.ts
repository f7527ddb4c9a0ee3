import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { HAPROXY_CHECK, haproxyConfig, haproxyServers } from '../../../../src/products/haproxy/config.js';
import { haproxyDeploySteps } from '../../../../src/products/haproxy/plan.js';
import { haproxyValidateCommand } from '../../../../src/products/haproxy/validateCommand.js';
import { instance, patroniCluster } from '../patroni/fixture.js';

/** haproxy.cfg as sections: "frontend pg_write" -> its directive lines. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of cfg.split('\n')) {
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    if (!raw.startsWith(' ')) {
      current = raw.trim();
      out.set(current, []);
    } else out.get(current)!.push(raw.trim().replace(/\s+/g, ' '));
  }
  return out;
}

/** The frontend bound to `port`. */
function frontendFor(s: Map<string, string[]>, port: number): string[] {
  const fe = [...s.entries()].find(([name, lines]) => name.startsWith('frontend ') && lines.some((l) => l.endsWith(`:${port}`) && l.startsWith('bind ')));
  expect(fe, `a frontend binds port ${port}`).toBeDefined();
  return fe![1];
}

/** The backend a frontend bound to `port` sends its connections to first: its use_backend, else its default_backend. */
function backendFor(s: Map<string, string[]>, port: number): string[] {
  const fe = frontendFor(s, port);
  const line = fe.find((l) => l.startsWith('use_backend ')) ?? fe.find((l) => l.startsWith('default_backend '))!;
  return s.get(`backend ${line.split(' ')[1]}`)!;
}

const cluster = patroniCluster();
const cfg = haproxyConfig(cluster, instance(cluster, 'karaoke'));
const s = sections(cfg);

describe('haproxy.cfg', () => {
  it('binds writes on 0.0.0.0:5432 and reads on 0.0.0.0:5433', () => {
    expect(s.get('frontend pg_write')).toContain('bind 0.0.0.0:5432');
    expect(s.get('frontend pg_read')).toContain('bind 0.0.0.0:5433');
  });

  it("port 5432 reaches only Patroni's leader: /primary must answer 200 on the REST port", () => {
    const be = backendFor(s, 5432);
    expect(be).toContain('option httpchk OPTIONS /primary');
    expect(be).toContain('http-check expect status 200');
    expect(be.filter((l) => l.startsWith('server '))).toEqual([
      'server kaboom 10.33.0.2:5432 check port 8008 check-ssl verify required ca-file /etc/m1/ssl/ca.crt verifyhost kaboom maxconn 225',
      'server kaftan 10.33.0.3:5432 check port 8008 check-ssl verify required ca-file /etc/m1/ssl/ca.crt verifyhost kaftan maxconn 225',
    ]);
    expect(be.some((l) => l.includes('on-marked-down shutdown-sessions'))).toBe(true);
    expect(be).toContain('stick on dst');
    // No server is a plain TCP-checked fallback that could take writes.
    expect(be.some((l) => / backup\b/.test(l))).toBe(false);
  });

  it("a reload's new worker loads the servers' states saved just before it (not every server up until its first check)", () => {
    expect(s.get('global')).toEqual(expect.arrayContaining(['stats socket /run/haproxy/admin.sock mode 660 level admin', 'server-state-file /run/haproxy/m1-server-state']));
    expect(s.get('defaults')).toContain('load-server-state-from-file global');
  });

  it('port 5433 reaches running replicas, round robin', () => {
    const be = backendFor(s, 5433);
    expect(be).toContain('option httpchk OPTIONS /replica');
    expect(be).toContain('http-check expect status 200');
    expect(be).toContain('balance roundrobin');
    expect(be.filter((l) => l.startsWith('server ')).every((l) => l.includes('check port 8008 check-ssl verify required ca-file /etc/m1/ssl/ca.crt verifyhost '))).toBe(true);
  });

  it('port 5433 falls back to the leader while no replica is up (the only replica promoted): reads keep working', () => {
    const fe = frontendFor(s, 5433);
    expect(fe).toContain('use_backend pg_replicas if { nbsrv(pg_replicas) gt 0 }');
    expect(fe).toContain('default_backend pg_leader');
    expect(frontendFor(s, 5432)).toEqual(expect.arrayContaining(['default_backend pg_leader']));
    expect(frontendFor(s, 5432).some((l) => l.startsWith('use_backend '))).toBe(false);
  });

  it('checks every half second and needs more good checks to rise than bad ones to fall', () => {
    const line = backendFor(s, 5432).find((l) => l.startsWith('default-server'))!;
    expect(line).toBe(`default-server inter 500ms fall ${HAPROXY_CHECK.fall} rise ${HAPROXY_CHECK.rise} on-marked-down shutdown-sessions`);
    expect(HAPROXY_CHECK.rise).toBeGreaterThan(HAPROXY_CHECK.fall);
    // Following a switchover: the old leader down and the new one up, under 3 s.
    expect((HAPROXY_CHECK.fall + HAPROXY_CHECK.rise) * 0.5).toBeLessThan(3);
  });

  it("keeps Debian's global settings and its stats socket", () => {
    const g = s.get('global')!;
    expect(g).toContain('stats socket /run/haproxy/admin.sock mode 660 level admin');
    expect(g).toContain('chroot /var/lib/haproxy');
    expect(s.get('defaults')).toContain('mode tcp');
  });

  it('serves statistics on the loopback only (deploy waits on them after a reload)', () => {
    expect(s.get('listen stats')).toEqual(expect.arrayContaining(['mode http', 'bind 127.0.0.1:8404', 'stats enable', 'stats uri /stats']));
    const c = patroniCluster({ vars: { karate: { haproxy_stats_port: 5433 } } });
    expect(() => haproxyConfig(c, instance(c, 'karate'))).toThrow(ConfigError);
  });

  it('follows ports, bind address and max_connections from config.yml', () => {
    const c = patroniCluster({
      clusterVars: { postgres_conf_settings: { max_connections: 300 } },
      vars: { karate: { haproxy_bind_address: '10.33.0.9', haproxy_port: 6000, haproxy_read_only_port: 6001 } },
    });
    const t = sections(haproxyConfig(c, instance(c, 'karate')));
    expect(t.get('frontend pg_write')).toContain('bind 10.33.0.9:6000');
    expect(backendFor(t, 6001)).toContain('option httpchk OPTIONS /replica');
    expect(haproxyServers(c, instance(c, 'karate'))[0]!.maxconn).toBe(270);
  });
});

describe('haproxy backend servers', () => {
  it('must be listed, exist and be data nodes', () => {
    const c = patroniCluster({ vars: { karaoke: { haproxy_backend_servers: ['kaboom', 'kapok'] }, karate: { haproxy_backend_servers: ['nope'] } } });
    expect(() => haproxyServers(c, instance(c, 'karaoke'))).toThrow(/"kapok" is not a data node/);
    expect(() => haproxyServers(c, instance(c, 'karate'))).toThrow(/"nope" is not an instance/);
    const none = patroniCluster({ vars: { karaoke: { haproxy_backend_servers: [] } } });
    expect(() => haproxyServers(none, instance(none, 'karaoke'))).toThrow(ConfigError);
  });

  it('refuses equal write and read ports, and non-HAProxy nodes', () => {
    const c = patroniCluster({ vars: { karaoke: { haproxy_read_only_port: 5432 } } });
    expect(() => haproxyConfig(c, instance(c, 'karaoke'))).toThrow(/must differ from haproxy_port/);
    expect(() => haproxyConfig(cluster, instance(cluster, 'kaboom'))).toThrow(/not an HAProxy node/);
  });
});

describe('deploying haproxy.cfg', () => {
  it('validates the candidate with haproxy -c before it replaces the live file, then reloads', () => {
    const steps = haproxyDeploySteps(cluster, instance(cluster, 'karaoke'), { configDiffers: true, active: true, enabled: true });
    expect(steps.map((st) => (st.kind === 'run' ? st.command : `write ${st.path}`))).toEqual([
      'write /etc/haproxy/haproxy.cfg.m1-new',
      'haproxy -c -q -f /etc/haproxy/haproxy.cfg.m1-new',
      'mv -f /etc/haproxy/haproxy.cfg.m1-new /etc/haproxy/haproxy.cfg',
      'systemctl reload haproxy',
    ]);
    expect(steps[0]!.kind === 'write-file' && steps[0]!.content).toBe(cfg);
  });

  it('does nothing when nothing changed, starts a stopped HAProxy', () => {
    expect(haproxyDeploySteps(cluster, instance(cluster, 'karaoke'), { configDiffers: false, active: true, enabled: true })).toEqual([]);
    const start = haproxyDeploySteps(cluster, instance(cluster, 'karaoke'), { configDiffers: false, active: false, enabled: false });
    expect(start.map((st) => st.kind === 'run' && st.command)).toEqual(['systemctl enable haproxy', 'systemctl start haproxy']);
  });

  it('the validate command checks any path', () => {
    expect(haproxyValidateCommand('/tmp/x y.cfg')).toBe("haproxy -c -q -f '/tmp/x y.cfg'");
  });
});
