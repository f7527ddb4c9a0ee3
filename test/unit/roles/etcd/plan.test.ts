import { describe, expect, it } from 'vitest';
import {
  etcdDeployPlan,
  etcdFactsCommand,
  etcdRollingRestartPlan,
  parseEtcdFacts,
  type EtcdHostFacts,
  type EtcdStage,
} from '../../../../src/products/etcd/plan.js';
import { etcdMembers } from '../../../../src/products/etcd/members.js';
import { patroniCluster } from '../patroni/fixture.js';

const cluster = patroniCluster();
const names = ['kapok', 'kaput', 'karakul'];

function facts(over: Partial<EtcdHostFacts> = {}, per: Record<string, Partial<EtcdHostFacts>> = {}): EtcdHostFacts[] {
  return names.map((name) => ({
    name,
    active: true,
    dataDirInitialised: true,
    packageDataDirExists: false,
    envFileDiffers: false,
    ...over,
    ...(per[name] ?? {}),
  }));
}

/** "host: kind command" lines, one per step, stage by stage. */
function flat(stages: EtcdStage[]): string[] {
  return stages.flatMap((s) =>
    s.steps.map((st) => `${st.host}: ${st.kind}${'command' in st && st.kind === 'run' ? ` ${st.command}` : ''}${st.kind === 'write-file' ? ` ${st.path}` : ''}`),
  );
}

describe('etcd facts', () => {
  it('one command prints service state, our data dir and the package data dir', () => {
    const cmd = etcdFactsCommand(cluster);
    expect(cmd).toContain('systemctl is-active etcd');
    expect(cmd).toContain('test -d /var/lib/etcd/patroni1/member');
    expect(cmd).toContain('test -d /var/lib/etcd/default');
  });

  it('parses the key=value lines', () => {
    expect(parseEtcdFacts('kapok', 'active=active\ndata=0\npkgdata=1\n', true)).toEqual({
      name: 'kapok',
      active: true,
      dataDirInitialised: false,
      packageDataDirExists: true,
      envFileDiffers: true,
    });
    expect(parseEtcdFacts('kapok', 'active=inactive\ndata=1\npkgdata=0\n', false).active).toBe(false);
    expect(() => parseEtcdFacts('kapok', 'active=active\n', false)).toThrow(/kapok: etcd facts incomplete/);
  });
});

describe('forming the cluster on a fresh install', () => {
  const fresh = facts({ dataDirInitialised: false, packageDataDirExists: true, envFileDiffers: true });
  const plan = etcdDeployPlan(cluster, fresh);

  it("stops the package's member, clears its data and writes settings before any start", () => {
    const prepare = plan[0]!;
    expect(prepare.title).toBe('prepare new etcd members');
    for (const n of names) {
      const mine = prepare.steps.filter((s) => s.host === n);
      expect(flat([{ title: '', steps: mine }])).toEqual([
        `${n}: run systemctl stop etcd`,
        `${n}: run rm -rf -- /var/lib/etcd/default`,
        `${n}: write-file /etc/default/etcd`,
        `${n}: run systemctl enable etcd`,
      ]);
    }
    const write = prepare.steps.find((s) => s.kind === 'write-file' && s.host === 'kaput');
    expect(write && write.kind === 'write-file' && write.content).toContain('ETCD_NAME="kaput"');
  });

  it('starts all members in one stage without blocking, then waits for health', () => {
    const start = plan[1]!;
    expect(start.steps.map((s) => s.host)).toEqual(names);
    for (const s of start.steps) expect(s.kind === 'run' && s.command).toBe('systemctl start --no-block etcd');
    const wait = plan[2]!.steps[0]!;
    expect(wait.kind).toBe('wait-healthy');
    expect(wait.kind === 'wait-healthy' && wait.timeoutMs).toBeGreaterThanOrEqual(60_000);
    expect(wait.kind === 'wait-healthy' && wait.command).toContain('/health');
  });

  it('ends by checking health and membership, and restarts nothing', () => {
    expect(plan.map((s) => s.title).slice(-2)).toEqual(['check etcd', 'check etcd membership']);
    expect(flat(plan).some((l) => l.includes('restart'))).toBe(false);
  });

  it('does not stop a member that is not running nor remove absent package data', () => {
    const p = etcdDeployPlan(cluster, facts({ dataDirInitialised: false, active: false, packageDataDirExists: false }));
    expect(flat([p[0]!]).filter((l) => l.includes('stop') || l.includes('rm -rf'))).toEqual([]);
  });
});

describe('redeploys', () => {
  it('nothing changed: only checks (no write, no restart, no start)', () => {
    const plan = etcdDeployPlan(cluster, facts());
    expect(plan.map((s) => s.title)).toEqual(['check etcd', 'check etcd membership']);
  });

  it('restarts only the changed members, one at a time, healthy before and after', () => {
    const plan = etcdDeployPlan(cluster, facts({}, { kapok: { envFileDiffers: true }, karakul: { envFileDiffers: true } }));
    const lines = flat(plan.filter((s) => s.title.startsWith('restart')));
    expect(lines).toEqual([
      'kaput: require-healthy',
      'kapok: write-file /etc/default/etcd',
      'kapok: run systemctl restart etcd',
      'kaput: wait-healthy',
      'kapok: require-healthy',
      'karakul: write-file /etc/default/etcd',
      'karakul: run systemctl restart etcd',
      'kapok: wait-healthy',
    ]);
    // One step per stage: nothing of two restarts overlaps.
    for (const s of plan) expect(s.steps.length).toBe(1);
    expect(lines.some((l) => l.startsWith('kaput: run'))).toBe(false);
  });

  it('a stopped member is started (with new settings if they changed) and waited for', () => {
    const plan = etcdDeployPlan(cluster, facts({}, { kaput: { active: false, envFileDiffers: true } }));
    expect(flat(plan)).toEqual([
      'kaput: write-file /etc/default/etcd',
      'kaput: run systemctl enable etcd',
      'kaput: run systemctl start --no-block etcd',
      'kapok: wait-healthy',
      'kapok: require-healthy',
      'kapok: check-membership',
    ]);
  });

  it('a replaced member (empty data dir) joins without touching the others', () => {
    const plan = etcdDeployPlan(cluster, facts({}, { karakul: { dataDirInitialised: false, envFileDiffers: true } }));
    const hosts = new Set(plan.flatMap((s) => s.steps.filter((st) => st.kind === 'run' || st.kind === 'write-file').map((st) => st.host)));
    expect([...hosts]).toEqual(['karakul']);
  });

  it('the rolling plan on its own restarts in member order whatever the order asked', () => {
    const members = etcdMembers(cluster);
    const plan = etcdRollingRestartPlan(members, ['karakul', 'kapok']);
    const restarts = flat(plan).filter((l) => l.includes('restart'));
    expect(restarts).toEqual(['kapok: run systemctl restart etcd', 'karakul: run systemctl restart etcd']);
  });

  it('requires facts for every member', () => {
    expect(() => etcdDeployPlan(cluster, facts().slice(1))).toThrow(/kapok: no etcd facts/);
  });
});
