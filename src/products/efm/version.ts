/**
 * Which EFM version a cluster runs, and the paths, package and service names
 * that follow from it (every EFM minor version installs side by side under its
 * own names: edb-efm49 -> /usr/edb/efm-4.9, /etc/edb/efm-4.9, edb-efm-4.9).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';

/** TPA's default (reference 4.2: efm_version 4.9, 5.0 only on Ubuntu 24). */
export const DEFAULT_EFM_VERSION = VARIABLES.efm_version.default;

export interface EfmVersion {
  major: number;
  minor: number;
  /** As written in paths: "4.9", "4.10", "5.0". */
  text: string;
}

export function parseVersionText(text: string): EfmVersion {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new Error(`not an EFM version: ${text}`);
  return { major: Number(m[1]), minor: Number(m[2]), text };
}

export function versionAtLeast(v: EfmVersion, min: EfmVersion): boolean {
  return v.major !== min.major ? v.major > min.major : v.minor >= min.minor;
}

/**
 * cluster_vars.efm_version. Its spec takes 4.x and 5.x, the versions whose
 * properties m1 knows; a YAML number is accepted, but 4.10 written unquoted
 * reads as 4.1, which is why its error text asks for quotes.
 */
export function efmVersion(cluster: Cluster): EfmVersion {
  return parseVersionText(clusterVar(cluster, 'efm_version'));
}

export interface EfmPaths {
  /** /etc/edb/efm-<v>: properties, nodes, notification script. */
  confDir: string;
  /** /usr/edb/efm-<v>/bin: efm, runefm.sh, efm_db_functions. */
  binDir: string;
  efm: string;
  /** systemd unit name without .service. */
  serviceName: string;
  unitFile: string;
  /** Debian/RedHat package: edb-efm<major><minor>. */
  packageName: string;
}

export function efmPaths(v: EfmVersion): EfmPaths {
  const binDir = `/usr/edb/efm-${v.text}/bin`;
  const serviceName = `edb-efm-${v.text}`;
  return {
    confDir: `/etc/edb/efm-${v.text}`,
    binDir,
    efm: `${binDir}/efm`,
    serviceName,
    unitFile: `/etc/systemd/system/${serviceName}.service`,
    packageName: `edb-efm${v.major}${v.minor}`,
  };
}

/**
 * What EFM needs from Debian besides its own package (TPA's Debian 12 list);
 * they come from the distribution, but only EFM uses them.
 */
export const EFM_DEBIAN_DEPENDENCIES = ['openjdk-17-jre', 'iputils-ping', 'procps'] as const;
