/**
 * `m1 deploy --skip-packages efm`: a test aid for machines that cannot reach
 * EDB's repositories. Everything that needs EFM's package is skipped (the
 * EDB repository, installing EFM and the Java it needs, `efm encrypt`,
 * enabling and starting the service); everything else is done as usual
 * (efm user, configuration files, unit file, sudoers, pg_hba lines, the
 * replicas). The one property that cannot be written without the package,
 * db.password.encrypted, is left out and reported.
 */
import type { Cluster } from '../../inventory/cluster.js';
import type { LeftOutProperty } from './properties.js';
import { EFM_DEBIAN_DEPENDENCIES, efmPaths, efmVersion } from './version.js';

export const EFM_STEPS = ['edb-repository', 'install', 'encrypt', 'start'] as const;
export type EfmStep = (typeof EFM_STEPS)[number];

export interface EfmSkipPlan {
  /** True when `efm` is in --skip-packages. */
  skipped: boolean;
  /** Each EFM step: run it, or skip it. */
  steps: Record<EfmStep, 'run' | 'skip'>;
  /** Packages the install step installs (Debian names). */
  packages: string[];
  /** Properties the files will lack because a skipped step produces them. */
  leftOut: LeftOutProperty[];
  /** Lines for the deploy recap, saying what was skipped and why. */
  report: string[];
}

export function efmPackages(cluster: Cluster): string[] {
  return [efmPaths(efmVersion(cluster)).packageName, ...EFM_DEBIAN_DEPENDENCIES];
}

/** What --skip-packages means for an EFM cluster's deploy. */
export function efmSkipPlan(cluster: Cluster, skipPackages: Iterable<string>): EfmSkipPlan {
  const skipped = [...skipPackages].includes('efm');
  const mode = skipped ? 'skip' : 'run';
  const steps = Object.fromEntries(EFM_STEPS.map((s) => [s, mode])) as Record<EfmStep, 'run' | 'skip'>;
  const packages = efmPackages(cluster);
  if (!skipped) return { skipped, steps, packages, leftOut: [], report: [] };

  const paths = efmPaths(efmVersion(cluster));
  return {
    skipped,
    steps,
    packages,
    leftOut: [
      {
        key: 'db.password.encrypted',
        reason: `left out of ${cluster.name}.properties: \`efm encrypt\` comes with EFM's package, skipped by --skip-packages efm`,
      },
    ],
    report: [
      `--skip-packages efm: EDB repository, packages ${packages.join(' ')}, \`efm encrypt\` and ${paths.serviceName} start skipped`,
      `--skip-packages efm: db.password.encrypted left out of ${paths.confDir}/${cluster.name}.properties; deploy again without --skip-packages efm to fill it in`,
    ],
  };
}
