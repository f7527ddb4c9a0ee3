/**
 * What a deploy does to the etcd members, as data: ordered stages of steps,
 * computed from the facts of each member. The engine runs the stages in
 * order and the steps of one stage concurrently (one host each, at most one
 * step list per host), and stops at the first failure.
 *
 * Forming the cluster: Debian's etcd-server starts a single-member etcd on
 * install (name = hostname, data in /var/lib/etcd/default, localhost only).
 * A member that has never run with our settings (no data in our data dir) is
 * stopped, the package's member data is removed, our environment file is
 * written, and then all such members are started together without waiting:
 * the unit is Type=notify and etcd notifies only once it has joined a quorum,
 * so a blocking `systemctl start` on the first member would wait for the
 * others until the unit's start timeout.
 *
 * Redeploys: members whose environment file changed are restarted one at a
 * time, each with every endpoint healthy before (refuse otherwise: a restart
 * while another member is down loses the quorum) and after.
 */
import { HostError } from '../../errors.js';
import { quote } from '../../engine/shell/quote.js';
import type { Cluster } from '../../inventory/cluster.js';
import { etcdEndpointHealthCommand } from './endpointHealthCommand.js';
import {
  ETCD_ENV_FILE,
  ETCD_PACKAGE_DATA_DIR,
  ETCD_SERVICE,
  etcdDataDir,
  etcdEnvFile,
} from './environment.js';
import { etcdMemberListCommand } from './memberListCommand.js';
import { etcdMembers, type EtcdMember } from './members.js';

/** What the engine learned about one etcd host (see etcdFactsCommand). */
export interface EtcdHostFacts {
  name: string;
  /** `systemctl is-active etcd` said active (or activating). */
  active: boolean;
  /** Our data dir holds a member (<data dir>/member exists): this host has run with our settings. */
  dataDirInitialised: boolean;
  /** The package's /var/lib/etcd/default exists. */
  packageDataDirExists: boolean;
  /** The current /etc/default/etcd differs from the desired one (or is absent). */
  envFileDiffers: boolean;
}

export type EtcdStep =
  /** Run a command on host; a non-zero exit fails the deploy. */
  | { kind: 'run'; host: string; command: string; why: string }
  /** Write /etc/default/etcd (root:root 0644; no secrets in it). */
  | { kind: 'write-file'; host: string; path: string; content: string; mode: number; why: string }
  /** Run the health command once on host; refuse (exit 3, nothing more done) unless it exits 0. */
  | { kind: 'require-healthy'; host: string; command: string; why: string }
  /** Rerun the health command on host every intervalMs until it exits 0; fail after timeoutMs. */
  | { kind: 'wait-healthy'; host: string; command: string; timeoutMs: number; intervalMs: number; why: string }
  /** Run member list on host and fail unless the live membership is exactly `members` (compareMembership). */
  | { kind: 'check-membership'; host: string; command: string; members: EtcdMember[]; why: string };

export interface EtcdStage {
  title: string;
  steps: EtcdStep[];
}

export interface EtcdPlanOptions {
  /** Bound for the first formation (all members starting together). Default 90 s. */
  formTimeoutMs?: number;
  /** Bound for one member to rejoin after a restart. Default 60 s. */
  rejoinTimeoutMs?: number;
  intervalMs?: number;
}

/**
 * One command that prints the facts etcdDeployPlan needs, as key=value lines:
 * `active=<systemctl is-active>`, `data=0|1`, `pkgdata=0|1`.
 */
export function etcdFactsCommand(cluster: Cluster): string {
  const data = `${etcdDataDir(cluster)}/member`;
  return [
    `printf 'active=%s\\n' "$(systemctl is-active ${ETCD_SERVICE} 2>/dev/null)"`,
    `if test -d ${quote(data)}; then echo data=1; else echo data=0; fi`,
    `if test -d ${quote(ETCD_PACKAGE_DATA_DIR)}; then echo pkgdata=1; else echo pkgdata=0; fi`,
  ].join('; ');
}

export function parseEtcdFacts(
  name: string,
  stdout: string,
  envFileDiffers: boolean,
): EtcdHostFacts {
  const kv = new Map(
    stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  if (!kv.has('active') || !kv.has('data') || !kv.has('pkgdata')) {
    throw new HostError(`${name}: etcd facts incomplete: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const active = kv.get('active')!;
  return {
    name,
    active: active === 'active' || active === 'activating' || active === 'reloading',
    dataDirInitialised: kv.get('data') === '1',
    packageDataDirExists: kv.get('pkgdata') === '1',
    envFileDiffers,
  };
}

function healthCheckHost(members: readonly EtcdMember[], restarting?: string): string {
  // Any member can run etcdctl against all endpoints; prefer one not being restarted.
  return (members.find((m) => m.name !== restarting) ?? members[0]!).name;
}

/**
 * Restart the given members one at a time, in member order, each with every
 * endpoint healthy before and after. `envFiles` (member name -> content) is
 * written just before that member's restart, when given.
 */
export function etcdRollingRestartPlan(
  members: readonly EtcdMember[],
  changed: readonly string[],
  envFiles: Readonly<Record<string, string>> = {},
  opts: EtcdPlanOptions = {},
): EtcdStage[] {
  const health = etcdEndpointHealthCommand(members);
  const stages: EtcdStage[] = [];
  for (const m of members) {
    if (!changed.includes(m.name)) continue;
    const via = healthCheckHost(members, m.name);
    const steps: EtcdStep[] = [
      {
        kind: 'require-healthy',
        host: via,
        command: health,
        why: `every etcd member must be healthy before ${m.name} restarts, or the restart could lose the quorum`,
      },
    ];
    const content = envFiles[m.name];
    if (content !== undefined) {
      steps.push({ kind: 'write-file', host: m.name, path: ETCD_ENV_FILE, content, mode: 0o644, why: 'settings changed' });
    }
    steps.push(
      { kind: 'run', host: m.name, command: `systemctl restart ${ETCD_SERVICE}`, why: 'apply the changed settings' },
      {
        kind: 'wait-healthy',
        host: via,
        command: health,
        timeoutMs: opts.rejoinTimeoutMs ?? 60_000,
        intervalMs: opts.intervalMs ?? 1000,
        why: `${m.name} must rejoin before the next member restarts`,
      },
    );
    // Steps of a restart run on two hosts but strictly in sequence: one step per stage.
    for (const step of steps) stages.push({ title: `restart etcd on ${m.name}`, steps: [step] });
  }
  return stages;
}

/** The whole etcd part of a deploy, from the facts of every member. */
export function etcdDeployPlan(
  cluster: Cluster,
  facts: readonly EtcdHostFacts[],
  opts: EtcdPlanOptions = {},
): EtcdStage[] {
  const members = etcdMembers(cluster);
  const factsOf = (name: string): EtcdHostFacts => {
    const f = facts.find((x) => x.name === name);
    if (!f) throw new Error(`${name}: no etcd facts gathered`);
    return f;
  };
  const envFile = (name: string) => etcdEnvFile(cluster, cluster.instances.find((i) => i.name === name)!);
  const dataDir = etcdDataDir(cluster);
  const health = etcdEndpointHealthCommand(members);
  const interval = opts.intervalMs ?? 1000;
  const stages: EtcdStage[] = [];

  // 1. Members that never ran with our settings: replace the package's member.
  const fresh = members.filter((m) => !factsOf(m.name).dataDirInitialised);
  if (fresh.length > 0) {
    stages.push({
      title: 'prepare new etcd members',
      steps: fresh.flatMap((m): EtcdStep[] => {
        const f = factsOf(m.name);
        const steps: EtcdStep[] = [];
        if (f.active) {
          steps.push({ kind: 'run', host: m.name, command: `systemctl stop ${ETCD_SERVICE}`, why: "stop the package's single-member etcd" });
        }
        if (f.packageDataDirExists && ETCD_PACKAGE_DATA_DIR !== dataDir) {
          steps.push({
            kind: 'run',
            host: m.name,
            command: `rm -rf -- ${quote(ETCD_PACKAGE_DATA_DIR)}`,
            why: "remove the package's single-member data so it can never be started again by mistake",
          });
        }
        steps.push(
          { kind: 'write-file', host: m.name, path: ETCD_ENV_FILE, content: envFile(m.name), mode: 0o644, why: 'cluster settings before the first start' },
          { kind: 'run', host: m.name, command: `systemctl enable ${ETCD_SERVICE}`, why: 'start etcd at boot' },
        );
        return steps;
      }),
    });
    stages.push({
      title: 'start new etcd members together',
      steps: fresh.map((m) => ({
        kind: 'run' as const,
        host: m.name,
        // Type=notify: a blocking start would wait for the other members' quorum.
        command: `systemctl start --no-block ${ETCD_SERVICE}`,
        why: 'form the cluster: members wait for each other',
      })),
    });
  }

  // 2. Members already formed but stopped: write settings if needed, start.
  const stopped = members.filter((m) => factsOf(m.name).dataDirInitialised && !factsOf(m.name).active);
  if (stopped.length > 0) {
    stages.push({
      title: 'start stopped etcd members',
      steps: stopped.flatMap((m): EtcdStep[] => [
        ...(factsOf(m.name).envFileDiffers
          ? [{ kind: 'write-file' as const, host: m.name, path: ETCD_ENV_FILE, content: envFile(m.name), mode: 0o644, why: 'settings changed' }]
          : []),
        { kind: 'run', host: m.name, command: `systemctl enable ${ETCD_SERVICE}`, why: 'start etcd at boot' },
        { kind: 'run', host: m.name, command: `systemctl start --no-block ${ETCD_SERVICE}`, why: 'member was stopped' },
      ]),
    });
  }

  if (fresh.length > 0 || stopped.length > 0) {
    stages.push({
      title: 'wait for a healthy etcd cluster',
      steps: [
        {
          kind: 'wait-healthy',
          host: members[0]!.name,
          command: health,
          timeoutMs: opts.formTimeoutMs ?? 90_000,
          intervalMs: interval,
          why: 'every member must be healthy before Patroni starts',
        },
      ],
    });
  }

  // 3. Running members whose settings changed: one at a time.
  const changed = members
    .filter((m) => factsOf(m.name).dataDirInitialised && factsOf(m.name).active && factsOf(m.name).envFileDiffers)
    .map((m) => m.name);
  const envFiles = Object.fromEntries(changed.map((n) => [n, envFile(n)]));
  stages.push(...etcdRollingRestartPlan(members, changed, envFiles, opts));

  // 4. Always: the cluster is healthy and made of exactly our members.
  stages.push({
    title: 'check etcd',
    steps: [
      { kind: 'require-healthy', host: members[0]!.name, command: health, why: 'Patroni needs a healthy etcd' },
    ],
  });
  stages.push({
    title: 'check etcd membership',
    steps: [
      {
        kind: 'check-membership',
        host: members[0]!.name,
        command: etcdMemberListCommand(members),
        members: [...members],
        why: 'the cluster must be made of the members config.yml names, no stray single-member cluster',
      },
    ],
  });
  return stages;
}
