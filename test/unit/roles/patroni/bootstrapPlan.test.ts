import { describe, expect, it } from 'vitest';
import {
  parsePatroniFacts,
  patroniBootstrapPlan,
  patroniFactsCommand,
  PatroniPlanRefused,
  type PatroniNodeFacts,
  type PatroniStage,
} from '../../../../src/products/patroni/bootstrapPlan.js';
import type { PatroniClusterStatus } from '../../../../src/products/patroni/clusterStatus.js';
import { patroniCluster } from './fixture.js';

const cluster = patroniCluster();
const EMPTY: PatroniClusterStatus = { members: [], paused: false };

const running = (leader: string): PatroniClusterStatus => ({
  leader,
  paused: false,
  members: ['kaboom', 'kaftan'].map((name) => ({ name, role: name === leader ? 'leader' : 'replica', state: 'running', pendingRestart: false })),
});

/** Facts after the postgres role's first deploy: Postgres under its unit, no Patroni yet. */
function fresh(per: Record<string, Partial<PatroniNodeFacts>> = {}): PatroniNodeFacts[] {
  return ['kaboom', 'kaftan'].map((name) => ({
    name,
    patroniActive: false,
    patroniEnabled: false,
    genericUnitEnabled: true,
    postgresUnitActive: true,
    postgresUnitEnabled: true,
    postgresRunning: true,
    inRecovery: name !== 'kaboom',
    dataDirInitialised: true,
    configChanged: true,
    ...(per[name] ?? {}),
  }));
}

/** Facts of a deployed cluster: Patroni everywhere, the postgres unit off. */
function deployed(per: Record<string, Partial<PatroniNodeFacts>> = {}): PatroniNodeFacts[] {
  return fresh(
    Object.fromEntries(
      ['kaboom', 'kaftan'].map((n) => [
        n,
        { patroniActive: true, patroniEnabled: true, genericUnitEnabled: false, postgresUnitActive: false, postgresUnitEnabled: false, configChanged: false, ...(per[n] ?? {}) },
      ]),
    ),
  );
}

function lines(stages: PatroniStage[]): string[] {
  return stages.flatMap((s) =>
    s.steps.map((st) => {
      if (st.kind === 'run') return `${st.host}: ${st.command}`;
      if (st.kind === 'rest') return `${st.host}: ${st.request.method} ${st.request.path}`;
      return `${st.host}: ${st.kind} ${st.request.path}`;
    }),
  );
}

describe('first Patroni start', () => {
  it('starts the primary first, waits for its leader lock, hands Postgres over, then the replicas', () => {
    expect(lines(patroniBootstrapPlan(cluster, fresh(), EMPTY))).toEqual([
      'kaboom: systemctl disable patroni.service',
      'kaboom: systemctl enable patroni@patroni1',
      'kaftan: systemctl disable patroni.service',
      'kaftan: systemctl enable patroni@patroni1',
      'kaboom: systemctl start patroni@patroni1',
      'kaboom: wait-rest /primary',
      'kaboom: POST /restart',
      'kaboom: systemctl disable postgres',
      'kaftan: systemctl stop postgres',
      'kaftan: systemctl disable postgres',
      'kaftan: systemctl start patroni@patroni1',
      'kaftan: wait-rest /replica',
    ]);
  });

  it('no replica step shares a stage with, or comes before, the wait for the leader', () => {
    const stages = patroniBootstrapPlan(cluster, fresh(), EMPTY);
    const waitLeader = stages.findIndex((s) => s.steps.some((st) => st.kind === 'wait-rest' && st.request.path === '/primary'));
    const firstReplicaStart = stages.findIndex((s) => s.steps.some((st) => st.host === 'kaftan' && st.kind === 'run' && st.command.startsWith('systemctl start')));
    expect(waitLeader).toBeGreaterThan(-1);
    expect(firstReplicaStart).toBeGreaterThan(waitLeader);
  });

  it('asks the REST API on the node itself, and only the restart needs auth', () => {
    const stages = patroniBootstrapPlan(cluster, fresh(), EMPTY);
    const rest = stages.flatMap((s) => s.steps).filter((s) => s.kind === 'rest' || s.kind === 'wait-rest');
    for (const s of rest) expect('api' in s && s.api).toEqual({ url: `https://${s.host}:8008`, caFile: '/etc/m1/ssl/ca.crt', resolve: `${s.host}:8008:127.0.0.1` });
    expect(rest.filter((s) => 'request' in s && s.request.auth).map((s) => 'request' in s && s.request.path)).toEqual(['/restart']);
  });

  it('the live primary wins over config.yml', () => {
    const f = fresh({ kaboom: { inRecovery: true }, kaftan: { inRecovery: false } });
    const l = lines(patroniBootstrapPlan(cluster, f, EMPTY));
    expect(l.indexOf('kaftan: systemctl start patroni@patroni1')).toBeLessThan(l.indexOf('kaboom: systemctl start patroni@patroni1'));
    expect(l).toContain('kaftan: wait-rest /primary');
    expect(l).toContain('kaboom: wait-rest /replica');
  });

  it('a stopped primary is started by its unit first, so Patroni adopts it without a promotion', () => {
    const f = fresh({ kaboom: { postgresRunning: false, postgresUnitActive: false, inRecovery: undefined } });
    const l = lines(patroniBootstrapPlan(cluster, f, EMPTY));
    expect(l.slice(4, 8)).toEqual([
      'kaboom: systemctl start postgres',
      'kaboom: systemctl start patroni@patroni1',
      'kaboom: wait-rest /primary',
      'kaboom: POST /restart',
    ]);
  });

  it('refuses two running primaries', () => {
    const f = fresh({ kaftan: { inRecovery: false } });
    expect(() => patroniBootstrapPlan(cluster, f, EMPTY)).toThrow(PatroniPlanRefused);
    expect(() => patroniBootstrapPlan(cluster, f, EMPTY)).toThrow(/kaboom and kaftan/);
  });

  it('refuses a Patroni already running on a replica while the DCS is empty', () => {
    const f = fresh({ kaftan: { patroniActive: true } });
    expect(() => patroniBootstrapPlan(cluster, f, EMPTY)).toThrow(/Patroni already runs on kaftan.*systemctl stop patroni@patroni1/);
  });

  it('refuses to let Patroni initdb a primary without data while a replica has data', () => {
    const f = fresh({ kaboom: { postgresRunning: false, postgresUnitActive: false, dataDirInitialised: false, inRecovery: undefined } });
    expect(() => patroniBootstrapPlan(cluster, f, EMPTY)).toThrow(/would initdb a new cluster on kaboom/);
  });
});

describe('Patroni on redeploys', () => {
  it('nothing changed: no step at all', () => {
    expect(patroniBootstrapPlan(cluster, deployed(), running('kaboom'))).toEqual([]);
  });

  it('after a switchover, keeps the new leader: only changed configs are reloaded', () => {
    const f = deployed({ kaboom: { configChanged: true }, kaftan: { configChanged: true } });
    expect(lines(patroniBootstrapPlan(cluster, f, running('kaftan')))).toEqual([
      'kaboom: systemctl reload patroni@patroni1',
      'kaftan: systemctl reload patroni@patroni1',
    ]);
  });

  it('a stopped member is started; no leader wait while another member runs', () => {
    const f = deployed({ kaftan: { patroniActive: false } });
    expect(lines(patroniBootstrapPlan(cluster, f, running('kaboom')))).toEqual(['kaftan: systemctl start patroni@patroni1']);
  });

  it('with every Patroni stopped, starts all and waits for Patroni to elect a leader', () => {
    const f = deployed({ kaboom: { patroniActive: false }, kaftan: { patroniActive: false } });
    const dcs: PatroniClusterStatus = { members: running('kaboom').members, paused: false };
    expect(lines(patroniBootstrapPlan(cluster, f, dcs))).toEqual([
      'kaboom: systemctl start patroni@patroni1',
      'kaftan: systemctl start patroni@patroni1',
      'kaboom: wait-leader /cluster',
    ]);
  });

  it('finishes an interrupted hand-over', () => {
    const f = deployed({ kaboom: { postgresUnitActive: true, postgresUnitEnabled: true } });
    expect(lines(patroniBootstrapPlan(cluster, f, running('kaboom')))).toEqual([
      'kaboom: POST /restart',
      'kaboom: systemctl disable postgres',
    ]);
  });

  it('a new data node joins as a replica', () => {
    const cl = patroniCluster();
    cl.instances.push({ ...cl.instances[1]!, name: 'kapow', node: 9, ipAddress: '10.33.0.10' });
    const f = [...deployed(), { ...fresh()[1]!, name: 'kapow', postgresUnitActive: false, postgresRunning: false, postgresUnitEnabled: false, dataDirInitialised: false }];
    const l = lines(patroniBootstrapPlan(cl, f, running('kaboom')));
    expect(l).toEqual([
      'kapow: systemctl disable patroni.service',
      'kapow: systemctl enable patroni@patroni1',
      'kapow: systemctl start patroni@patroni1',
      'kapow: wait-rest /replica',
    ]);
  });
});

describe('Patroni facts', () => {
  it('one command reads units, postmaster and recovery state', () => {
    const cmd = patroniFactsCommand(cluster, 'kaboom');
    expect(cmd).toContain('systemctl is-active patroni@patroni1');
    expect(cmd).toContain('systemctl is-enabled patroni.service');
    expect(cmd).toContain('systemctl is-active postgres');
    expect(cmd).toContain('/opt/postgres/data/postmaster.pid');
    expect(cmd).toContain('runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -h /var/run/postgresql -p 5432');
  });

  it('parses them', () => {
    const out = 'patroni=inactive\npatroni_enabled=disabled\ngeneric_enabled=enabled\npostgres_unit=active\npostgres_enabled=enabled\npg_running=1\nin_recovery=f\npgdata=1\n';
    expect(parsePatroniFacts('kaboom', out, true)).toEqual({
      name: 'kaboom',
      patroniActive: false,
      patroniEnabled: false,
      genericUnitEnabled: true,
      postgresUnitActive: true,
      postgresUnitEnabled: true,
      postgresRunning: true,
      inRecovery: false,
      dataDirInitialised: true,
      configChanged: true,
    });
    expect(() => parsePatroniFacts('kaboom', 'patroni=active\n', false)).toThrow(/kaboom: Patroni facts incomplete/);
  });

  it('the facts command runs in a POSIX shell and prints every key', async () => {
    const { execFileSync } = await import('node:child_process');
    // On this machine nothing is installed: the command must still print all keys.
    const out = execFileSync('sh', ['-c', patroniFactsCommand(cluster, 'kaboom')], { encoding: 'utf8' });
    const f = parsePatroniFacts('kaboom', out, false);
    expect(f.postgresRunning).toBe(false);
    expect(f.dataDirInitialised).toBe(false);
  });
});
