/**
 * The benches' clusters: configured, provisioned on Docker from the image
 * with every package preinstalled, the services a host of its role would not
 * run stopped (so deploy meets hosts as they would be), deployed; removed
 * afterwards. And the median the benches report.
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError, UsageError } from '../../src/errors.js';
import { configureClusterDir } from '../../src/architectures/configure.js';
import type { RawConfigureOptions } from '../../src/architectures/options.js';
import { loadCluster } from '../../src/config/load.js';
import { hasRole, runsPostgres } from '../../src/inventory/cluster.js';
import { deprovisionCluster, platformFor } from '../../src/platforms/index.js';
import { deployCluster } from '../deploy/deploy.js';
import { openCluster, runOn } from '../operate/cluster.js';

export const BENCH_IMAGE = process.env['M1_BENCH_IMAGE'] ?? 'm1/debian-packages:bookworm';

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** Deprovisions the cluster of `dir` (when configured) and deletes the directory. */
export async function removeBenchCluster(dir: string): Promise<void> {
  if (await exists(join(dir, 'config.yml'))) await deprovisionCluster((await loadCluster(dir)).cluster, { confirm: async () => true });
  await rm(dir, { recursive: true, force: true });
}

/**
 * A fresh cluster in `dir` (an old one there is removed first): configure with
 * `options`, `cluster_vars` lines added, the bench image, provision, deploy.
 */
export async function makeBenchCluster(dir: string, options: Omit<RawConfigureOptions, 'platform' | 'git'>, clusterVars: Record<string, string> = {}): Promise<string> {
  await removeBenchCluster(dir);
  await configureClusterDir(dir, { platform: 'docker', git: false, ...options } as RawConfigureOptions);
  const configFile = join(dir, 'config.yml');
  let text = (await readFile(configFile, 'utf8')).replace(/^ {2}image: .*$/m, `  image: ${BENCH_IMAGE}`);
  const lines = Object.entries(clusterVars).map(([k, v]) => `  ${k}: ${v}\n`).join('');
  if (lines) text = text.replace(/^cluster_vars:\n/m, `cluster_vars:\n${lines}`);
  await writeFile(configFile, text);
  await likeFreshHosts(dir);
  const out = await deployCluster(dir, { write: () => undefined, tty: false });
  if (out.exitCode !== 0) throw new HostError(`${dir}: deploy failed: ${out.summary}`);
  return dir;
}

/**
 * The image has every role's packages on every host, and Debian starts their
 * services (a Postgres on 127.0.0.1:5432 on an HAProxy host, etcd, PgBouncer,
 * HAProxy everywhere): provision, then stop what a host of that role would
 * not have.
 */
async function likeFreshHosts(dir: string): Promise<void> {
  const { cluster } = await loadCluster(dir);
  await platformFor(cluster).provision(cluster, {});
  const oc = await openCluster(dir);
  try {
    await Promise.all(
      cluster.instances.map((i) => {
        const units = [
          ...(runsPostgres(i, cluster.failoverManager) ? [] : [`postgresql@${cluster.postgresVersion}-main`, 'postgresql']),
          ...(hasRole(i, 'etcd') ? [] : ['etcd']),
          ...(hasRole(i, 'pgbouncer') ? [] : ['pgbouncer']),
          ...(hasRole(i, 'haproxy') ? [] : ['haproxy']),
        ];
        return runOn(oc.connectors, i.name, `systemctl disable --now ${units.join(' ')} >/dev/null 2>&1 || true`);
      }),
    );
  } finally {
    await oc.close();
  }
}

/** The median (the lower of the two middle values for an even count); null for none. */
export function median(xs: readonly number[]): number | null {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : null;
}

/** The numbers the runs recorded under `key` (a failed run records none). */
export function column(runs: ReadonlyArray<Record<string, unknown>>, key: string): number[] {
  return runs.map((r) => r[key]).filter((x): x is number => typeof x === 'number');
}

/** The median of each key over the runs that recorded a number for it. */
export function medians<K extends string>(runs: ReadonlyArray<Record<string, unknown>>, keys: readonly K[]): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const k of keys) out[k] = median(column(runs, k));
  return out;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The failover managers M1_BENCH_FM names (`all`: every one of `known`; unset: `fallback`); anything else is a usage error. */
export function benchedManagers<F extends string>(known: readonly F[], fallback: string): F[] {
  const which = process.env['M1_BENCH_FM'] ?? fallback;
  const fms = which === 'all' ? [...known] : [which as F];
  for (const fm of fms) if (!known.includes(fm)) throw new UsageError(`M1_BENCH_FM=${which}: one of ${known.join(', ')} or all`);
  return fms;
}

/** `bench` for each manager in turn; one that fails becomes a result naming its error, and the others still run. */
export async function benchEach<F extends string>(fms: readonly F[], bench: (fm: F) => Promise<Record<string, unknown>>, log: (line: string) => void): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const fm of fms) {
    try {
      results.push(await bench(fm));
    } catch (e) {
      log(`${fm}: ${message(e)}`);
      results.push({ failover_manager: fm, error: message(e) });
    }
  }
  return results;
}
