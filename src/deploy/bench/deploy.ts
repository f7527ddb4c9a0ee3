/**
 * `npm run bench:deploy`: the first deploy of issue 4's scenario 2 (two
 * locations, two data nodes each, PgBouncer on every data node, Barman +
 * witness; repmgr, PostgreSQL 15) and a no-op redeploy, timed, as JSON on
 * stdout. Per stage: wall time and the summed time of remote commands on the
 * slowest host; overall: the share of wall time not spent in remote commands
 * (on the slowest host of each stage). Hosts come from the image with the
 * packages preinstalled (apt is the distribution's speed, not m1's), made in
 * <tmp>/m1-bench/m1benchd by configure + provision and removed afterwards.
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureClusterDir } from '../../architectures/configure.js';
import { loadCluster } from '../../config/load.js';
import { deprovisionCluster } from '../../platforms/index.js';
import { deployCluster, type DeployOutcome } from '../deploy.js';

const CLUSTER = 'm1benchd';
const IMAGE = process.env['M1_BENCH_IMAGE'] ?? 'm1/debian-packages:bookworm';

function stages(o: DeployOutcome) {
  return o.timings.stages.map((s) => {
    const hosts = Object.entries(s.remoteMs).sort((a, b) => b[1] - a[1]);
    const [slowest, remote] = hosts[0] ?? ['-', 0];
    return { stage: s.name, wall_ms: s.wallMs, slowest_host: slowest, remote_ms_on_slowest_host: Math.round(remote) };
  });
}

function summary(o: DeployOutcome) {
  const per = stages(o);
  const wall = o.timings.factsMs + o.timings.runMs;
  const remote = per.reduce((n, s) => n + s.remote_ms_on_slowest_host, 0);
  return {
    exit: o.exitCode,
    summary: o.summary,
    total_ms: o.timings.totalMs,
    provision_ms: o.timings.provisionMs,
    facts_and_run_ms: wall,
    stages: per,
    remote_ms_slowest_path: remote,
    not_remote_share: wall > 0 ? Math.round(((wall - remote) / wall) * 1000) / 1000 : 0,
  };
}

async function clean(dir: string, root: string): Promise<void> {
  if (await access(join(dir, 'config.yml')).then(() => true, () => false)) {
    await deprovisionCluster((await loadCluster(dir)).cluster, { confirm: async () => true });
  }
  await rm(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const log = (s: string) => process.stderr.write(`bench:deploy: ${s}\n`);
  const root = join(tmpdir(), 'm1-bench');
  const dir = join(root, CLUSTER);
  await clean(dir, root);
  log(`m1 configure ${dir} (scenario 2: two locations, PgBouncer, image ${IMAGE})`);
  await configureClusterDir(dir, {
    architecture: 'M1',
    postgresql: '15',
    failoverManager: 'repmgr',
    platform: 'docker',
    locationNames: ['main', 'dr'],
    enablePgbouncer: true,
    clusterPrefixedHostnames: true,
    git: false,
  });
  const config = join(dir, 'config.yml');
  const text = await readFile(config, 'utf8');
  await writeFile(config, text.replace(/^ {2}image: .*$/m, `  image: ${IMAGE}`).replace(/^cluster_vars:\n/m, 'cluster_vars:\n  repmgr_redirect_pgbouncer: true\n'));
  try {
    const write = (t: string) => void process.stderr.write(t);
    log('first deploy (provision included)');
    const first = await deployCluster(dir, { write, tty: false });
    if (first.exitCode !== 0) throw new Error(`first deploy failed: ${first.result.failures.join('; ')}`);
    log('no-op redeploys');
    const noops: DeployOutcome[] = [];
    for (let i = 0; i < 3; i++) noops.push(await deployCluster(dir, { write: () => undefined, tty: false }));
    const totals = noops.map((o) => o.timings.totalMs).sort((a, b) => a - b);
    const out = {
      benchmark: 'issue 4 scenario 2: first deploy and no-op redeploy (repmgr, 2 locations x 2 data nodes, PgBouncer, Barman + witness)',
      hosts: (await loadCluster(dir)).cluster.instances.length,
      first_deploy: summary(first),
      noop_redeploy: { ...summary(noops[0]!), total_ms_runs: totals, changed: noops.map((o) => Object.values(o.result.recap).reduce((n, r) => n + r.changed, 0)) },
      targets: { noop_redeploy_ms: 5000, not_remote_share: 0.1 },
      tpa_reference: { first_deploy_s: 801, noop_redeploy_s: 531 },
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    if (!process.env['M1_BENCH_KEEP']) await clean(dir, root);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:deploy: ${e.message}\n`);
  process.exitCode = 1;
});
