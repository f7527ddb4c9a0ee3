/**
 * `npm run bench:fleet`: the engine at 50 hosts. 50 light containers (the
 * host image m1 builds: systemd and sshd, nothing else) made by m1 configure
 * (an M1 cluster of 49 data nodes and a Barman host, docker platform) and
 * m1 provision; then bench:engine's converged run (100 operations per host)
 * on fresh connections, RUNS times at the default --forks and RUNS times at
 * --forks 50, as JSON on stdout: the median run (connections included), the
 * connection set-up, the memory each connection costs m1, and whether the
 * run stays under 2 s, and the CPU m1 and the rest of the machine spent in
 * each run. Setup is not timed; everything is removed afterwards
 * (M1_BENCH_KEEP=1 keeps it).
 *
 *   M1_BENCH_HOSTS (default 50)   M1_BENCH_RUNS (default 3)
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../../src/errors.js';
import { configureClusterDir } from '../../src/architectures/configure.js';
import { loadCluster } from '../../src/config/load.js';
import { DEFAULT_FORKS } from '../../src/engine/run/engine.js';
import { deprovisionCluster, provisionCluster } from '../../src/platforms/index.js';
import { median, removeBenchCluster } from './benchCluster.js';
import { benchPlaybook, setupPlaybook, timedRun, totals } from './engine.js';

const HOSTS = Math.max(3, Number(process.env['M1_BENCH_HOSTS'] ?? 50));
const RUNS = Math.max(1, Number(process.env['M1_BENCH_RUNS'] ?? 3));
const TARGET_MS = 2000;
const log = (s: string) => process.stderr.write(`bench:fleet: ${s}\n`);

async function main(): Promise<void> {
  const root = join(tmpdir(), 'm1-bench-fleet');
  const dir = join(root, 'm1fleet');
  await removeBenchCluster(dir);
  log(`m1 configure + provision ${HOSTS} hosts in ${dir}`);
  await configureClusterDir(dir, {
    architecture: 'M1',
    postgresql: '15',
    failoverManager: 'repmgr',
    platform: 'docker',
    dataNodesPerLocation: String(HOSTS - 1),
    clusterPrefixedHostnames: true,
    git: false,
  });
  const { cluster } = await loadCluster(dir);
  try {
    const provisioned = await provisionCluster(cluster);
    const inventory = provisioned.inventory;
    const hosts = inventory.hosts.map((h) => h.name);
    if (hosts.length !== HOSTS) throw new HostError(`provisioned ${hosts.length} hosts, not ${HOSTS}`);
    log(`provisioned in ${(provisioned.durationMs / 1000).toFixed(1)} s; setting up, then converging once`);
    const setup = await timedRun(dir, inventory, setupPlaybook(hosts), { forks: HOSTS });
    if (setup.result.exitCode) throw new HostError(setup.result.failures.join('\n'));
    const playbook = benchPlaybook(hosts);
    const first = await timedRun(dir, inventory, playbook, { forks: HOSTS });
    if (first.result.exitCode) throw new HostError(first.result.failures.join('\n'));
    const series = async (forks: number) => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await timedRun(dir, inventory, playbook, { forks });
        if (r.result.exitCode || totals(r.result).changed !== 0) throw new HostError(`converged run at --forks ${forks} changed or failed: ${JSON.stringify(totals(r.result))}`);
        runs.push(r);
      }
      const ms = median(runs.map((r) => r.ms))!;
      log(`--forks ${forks}: ${runs.map((r) => r.ms).join(', ')} ms (connect ${runs.map((r) => r.connectMs).join(', ')} ms; CPU m1 ${runs.map((r) => r.cpu.m1_cpu_ms).join(', ')} ms, the rest ${runs.map((r) => r.cpu.others_cpu_ms).join(', ')} ms)`);
      return {
        forks,
        converged_run_ms: { median: ms, runs: runs.map((r) => r.ms) },
        connect_ms: runs.map((r) => r.connectMs),
        memory_per_connection_kib: median(runs.map((r) => r.rssPerConnectionKb)),
        // What bounds the run on a small machine: m1's CPU, or the hosts' (sshd logins, the reads) on the same cores.
        m1_cpu_ms: runs.map((r) => r.cpu.m1_cpu_ms),
        hosts_and_others_cpu_ms: runs.map((r) => r.cpu.others_cpu_ms),
        operations: runs[0]!.result.results.length,
        remote_commands: runs[0]!.commands,
        pass: ms < TARGET_MS,
      };
    };
    const byForks = [await series(DEFAULT_FORKS), await series(HOSTS)];
    const out = {
      bench: 'fleet',
      date: new Date().toISOString(),
      benchmark: 'converged run, 100 operations per host (25 directory, 25 file, 25 line in file, 25 service started), fresh connections',
      hosts: HOSTS,
      provision_ms: provisioned.durationMs,
      first_run_ms: first.ms,
      target_ms: TARGET_MS,
      runs: byForks,
      pass: byForks.some((r) => r.forks === DEFAULT_FORKS && r.pass),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    if (!process.env['M1_BENCH_KEEP']) {
      await deprovisionCluster(cluster, { confirm: async () => true });
      await rm(root, { recursive: true, force: true });
    }
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:fleet: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
