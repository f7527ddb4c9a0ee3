import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { instance, patroniCluster } from '../../test/unit/roles/patroni/fixture.js';
import { patroniMinorUpgrade, patroniRestartCommands, replicaRunningCommand, restThroughPatroniCommand, restartPatroniDaemonCommand } from './upgrade.js';

describe("Patroni's part of m1 upgrade", () => {
  const c = patroniCluster();
  const kaftan = instance(c, 'kaftan');

  it('restarts Postgres through Patroni (POST /restart on its own API), the password only on stdin, success only on HTTP 200', () => {
    const r = restThroughPatroniCommand(c, kaftan, 's3cret');
    expect(r.command).not.toContain('s3cret');
    expect(r.stdin).toContain('user = "patroni:s3cret"');
    expect(r.stdin).toContain('request = "POST"');
    expect(r.stdin).toContain('data-binary = "{\\"timeout\\":120}"');
    expect(r.command).toMatch(/--resolve kaftan:8008:127\.0\.0\.1/);
    expect(r.command).toContain("https://kaftan:8008/restart");
    expect(r.command).toMatch(/case "\$out" in \*'m1-http-status:200'\) exit 0 ;; esac\nexit 1$/);
    expect(() => restThroughPatroniCommand(c, kaftan, undefined)).toThrow(/REST API password is needed/);
  });

  it('the HTTP check passes on 200 and fails on 503, printing the answer (sh, curl stood in for)', () => {
    const r = restThroughPatroniCommand(c, kaftan, 'x');
    const run = (status: number) => {
      const fake = r.command.replace(/^out=\$\(curl [^\n]*\)$/m, `out=$(cat >/dev/null; printf 'restart failed\\nm1-http-status:${status}')`);
      try {
        return { code: 0, out: execFileSync('sh', ['-c', fake], { input: r.stdin }).toString() };
      } catch (e) {
        const err = e as { status: number; stdout: Buffer };
        return { code: err.status, out: err.stdout.toString() };
      }
    };
    expect(run(200).code).toBe(0);
    expect(run(503)).toEqual({ code: 1, out: 'restart failed\nm1-http-status:503\n' });
  });

  it("restarts the daemon first only when Patroni's own packages were upgraded, then Postgres through Patroni either way", () => {
    expect(patroniRestartCommands(c, kaftan, ['postgresql-15', 'libpq5'], 'x').map((s) => s.name)).toEqual(["POST /restart on kaftan's Patroni"]);
    const both = patroniRestartCommands(c, kaftan, ['postgresql-15', 'patroni'], 'x');
    expect(both.map((s) => s.name)).toEqual(['restart patroni@patroni1 (patroni upgraded)', "POST /restart on kaftan's Patroni"]);
    expect(both[0]!.stdin).toBeUndefined();
    expect(restartPatroniDaemonCommand(c, kaftan).split('\n')[0]).toBe('systemctl restart patroni@patroni1');
  });

  it('counts a member in again once GET /replica answers 200; every command is valid sh', () => {
    const cmd = replicaRunningCommand(c, kaftan, 60);
    expect(cmd).toMatch(/^i=0; until curl -sf -o \/dev\/null .*https:\/\/kaftan:8008\/replica 2>\/dev\/null; do .*-ge 60 \] && exit 1; sleep 1; done$/);
    expect(patroniMinorUpgrade.rejoined(c, 'kaboom', 'kaftan', 60)).toBe(cmd);
    expect(() => patroniMinorUpgrade.rejoined(c, 'kaboom', 'nope', 60)).toThrow(/not an instance/);
    for (const s of patroniRestartCommands(c, kaftan, ['patroni'], 'x')) execFileSync('sh', ['-n', '-c', s.command]);
    execFileSync('sh', ['-n', '-c', cmd]);
  });

  it('does not pause failover, stops no unit around the restart, and a newer Patroni or etcd library counts as a restart (the leader is switched over first)', () => {
    expect(patroniMinorUpgrade.pausesFailover).toBe(false);
    expect(patroniMinorUpgrade.stoppedAround).toEqual([]);
    expect(patroniMinorUpgrade.packages(c)).toEqual(['patroni', 'python3-etcd']);
    expect(patroniMinorUpgrade.restartFor(c)).toEqual(['patroni', 'python3-etcd']);
    expect(patroniMinorUpgrade.secret).toBe('patroni');
  });
});
