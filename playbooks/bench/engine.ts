/**
 * `npm run bench:engine`: times a converged run of 100 operations per host
 * (25 each of directory, file, line in file, service started) on 3
 * containers, over SSH, and prints the figures as JSON on stdout.
 * The hosts are made the way a user makes them: `m1 configure` (an M1
 * cluster, docker platform) and `m1 provision` in <tmp>/m1-bench/m1bench;
 * deprovisioned and deleted after (and first, if an interrupted run left
 * them). Setup is not timed.
 */
import { HostError } from '../../src/errors.js';
import { access, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configureClusterDir } from '../../src/architectures/configure.js';
import { loadCluster } from '../../src/config/load.js';
import type { Inventory } from '../../src/inventory/inventory.js';
import { cpuSplit, sampleCpu, type CpuSplit } from './cpuSplit.js';
import { deprovisionCluster, provisionCluster } from '../../src/platforms/index.js';
import { connectorsFromInventory } from '../../src/engine/connectors/fromInventory.js';
import { command } from '../../src/engine/operations/command.js';
import { directory } from '../../src/engine/operations/directory.js';
import { file } from '../../src/engine/operations/file.js';
import { lineInFile } from '../../src/engine/operations/lineInFile.js';
import { service } from '../../src/engine/operations/service.js';
import { runPlaybook } from '../../src/engine/run/engine.js';
import { defineRole, type Playbook, type RunResult } from '../../src/engine/run/playbook.js';

/** Also the network's and (with the cluster prefix) the containers' names. */
const CLUSTER = 'm1bench';

const N = 25;
const pad = (i: number) => String(i).padStart(2, '0');

export function benchPlaybook(hosts: string[]): Playbook {
  const ops = defineRole('bench', (h) => [
    ...Array.from({ length: N }, (_, i) => directory({ path: `/srv/m1bench/d${pad(i)}`, mode: '0755' })),
    ...Array.from({ length: N }, (_, i) => file({ path: `/srv/m1bench/f${pad(i)}.conf`, content: `# file ${i} on ${h.host}\nvalue = ${i}\n`, mode: '0644' })),
    ...Array.from({ length: N }, (_, i) => lineInFile({ path: `/srv/m1bench/lines${i % 5}.conf`, line: `key_${pad(i)} = ${i}`, regexp: new RegExp(`^key_${pad(i)}\\s*=`), create: true })),
    ...Array.from({ length: N }, (_, i) => service({ service: `m1bench@${pad(i)}`, state: 'started' })),
  ]);
  return { name: 'bench-engine', stages: [{ name: 'bench', hosts, roles: [ops] }] };
}

/**
 * The unit template the 25 services are instances of (set up before timing,
 * not counted), after each host has finished booting: 50 systemd containers
 * started at once keep both cores busy for a while, which is not m1's time.
 */
export function setupPlaybook(hosts: string[]): Playbook {
  const unit = '[Unit]\nDescription=m1 engine benchmark %i\n[Service]\nExecStart=/bin/sleep infinity\n';
  return {
    name: 'bench-setup',
    stages: [
      {
        name: 'setup',
        hosts,
        roles: [
          defineRole('setup', () => [
            command({ name: 'wait until the host has booted', cmd: 'timeout 300 systemctl is-system-running --wait >/dev/null 2>&1; true', timeoutMs: 310_000 }),
            directory({ path: '/srv/m1bench' }),
            file({ path: '/etc/systemd/system/m1bench@.service', content: unit }),
          ]),
        ],
      },
    ],
  };
}

/** A full garbage collection, through V8's gc() exposed at run time (node's --expose-gc, without restarting node). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A run on fresh connections: the wall time includes connecting to every host. */
export async function timedRun(
  dir: string,
  inventory: Inventory,
  playbook: Playbook,
  options: { forks?: number } = {},
): Promise<{ ms: number; connectMs: number; result: RunResult; commands: number; /** heap + external memory per connection, KiB */ rssPerConnectionKb: number; cpu: CpuSplit }> {
  const connectors = connectorsFromInventory(dir, inventory);
  let commands = 0;
  for (const c of connectors.values()) {
    const run = c.run.bind(c);
    c.run = (cmd, o) => (commands++, run(cmd, o));
  }
  // What the connections hold: JavaScript heap and buffers outside it (ssh2's), read before and after
  // connecting, each time after a full collection (else a collection in between reads as 0).
  const held = () => {
    collectGarbage();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const before = held();
  const cpuBefore = sampleCpu();
  const t = performance.now();
  await Promise.all([...connectors.values()].map((c) => c.connect()));
  const connectMs = Math.round(performance.now() - t);
  const measuring = performance.now();
  const rssPerConnectionKb = Math.max(0, Math.round((held() - before) / 1024 / Math.max(1, connectors.size)));
  // The collection is the bench's, not m1's: left out of the run's time.
  const measuredMs = performance.now() - measuring;
  const result = await runPlaybook(playbook, { connectors, ...(options.forks !== undefined ? { forks: options.forks } : {}) });
  const ms = Math.round(performance.now() - t - measuredMs);
  const cpu = cpuSplit(cpuBefore, sampleCpu());
  await Promise.all([...connectors.values()].map((c) => c.close()));
  return { ms, connectMs, result, commands, rssPerConnectionKb, cpu };
}

export function totals(r: RunResult) {
  const sum = { ok: 0, changed: 0, skipped: 0, failed: 0 };
  for (const x of Object.values(r.recap)) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += x[k];
  return sum;
}

async function main(): Promise<void> {
  const log = (s: string) => process.stderr.write(`bench:engine: ${s}\n`);
  const root = join(tmpdir(), 'm1-bench');
  const dir = join(root, CLUSTER);
  if (await access(join(dir, 'config.yml')).then(() => true, () => false)) {
    log(`removing what an earlier run left in ${dir}`);
    await deprovisionCluster((await loadCluster(dir)).cluster, { confirm: async () => true });
    await rm(root, { recursive: true, force: true });
  }
  log(`m1 configure + provision ${dir}`);
  await configureClusterDir(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'repmgr', platform: 'docker', clusterPrefixedHostnames: true, git: false });
  const { cluster } = await loadCluster(dir);
  try {
    const provisioned = await provisionCluster(cluster);
    const inventory = provisioned.inventory;
    const hosts = inventory.hosts.map((h) => h.name);
    const timed = (p: Playbook) => timedRun(dir, inventory, p);
    const setup = await timed(setupPlaybook(hosts));
    if (setup.result.exitCode) throw new HostError(setup.result.failures.join('\n'));
    const playbook = benchPlaybook(hosts);
    log('first run (converging)');
    const first = await timed(playbook);
    if (first.result.exitCode) throw new HostError(first.result.failures.join('\n'));
    const runs: Awaited<ReturnType<typeof timedRun>>[] = [];
    for (let i = 0; i < 5; i++) runs.push(await timed(playbook));
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    const converged = runs[0]!;
    const out = {
      benchmark: 'converged run, 100 operations per host (25 directory, 25 file, 25 line in file, 25 service started)',
      hosts: hosts.length,
      provision_ms: provisioned.durationMs,
      operations: converged.result.results.length,
      first_run_ms: first.ms,
      first_run: totals(first.result),
      converged_run_ms: { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms[ms.length - 1], runs: ms },
      connect_ms: runs.map((r) => r.connectMs),
      converged_run: totals(converged.result),
      remote_commands_per_converged_run: converged.commands,
      target_ms: 2000,
      pass: ms[Math.floor(ms.length / 2)]! < 2000 && runs.every((r) => totals(r.result).changed === 0 && r.result.exitCode === 0),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    await deprovisionCluster(cluster, { confirm: async () => true });
    await rm(root, { recursive: true, force: true });
  }
}

// Run when executed (bench:engine), not when bench:fleet imports its parts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: Error) => {
    process.stderr.write(`bench:engine: ${e.message}\n`);
    process.exitCode = 1;
  });
}
