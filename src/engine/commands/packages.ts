/** Debian package queries and installs (apt, install only). */
import { quoteAll } from '../shell/quote.js';

/** Lists every package dpkg knows with its version and status. */
export function buildPackageQuery(): string {
  return `dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n'`;
}

/** Installed packages (status "ii") by name, with their version. */
export function parsePackageQuery(stdout: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name && version !== undefined && status?.startsWith('ii')) installed.set(name, version);
  }
  return installed;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+:~-]+)?$/;

export function assertPackageName(name: string): void {
  if (!PACKAGE_NAME.test(name)) throw new Error(`package name ${JSON.stringify(name)} is not a Debian package name`);
}

export interface AptInstallOptions {
  /** Refresh the package lists first when they are older than this many minutes (default 60). */
  cacheValidMinutes?: number;
  /** Install recommended packages too (default false). */
  recommends?: boolean;
}

/**
 * One non-interactive `apt-get install` for all the packages; the lists are
 * refreshed first only when missing or stale. Config files changed locally
 * are kept (confold), and a busy dpkg lock is waited for.
 */
export function buildAptInstall(names: readonly string[], options: AptInstallOptions = {}): string {
  if (names.length === 0) throw new Error('apt install: no packages');
  names.forEach(assertPackageName);
  const minutes = options.cacheValidMinutes ?? 60;
  const apt = 'apt-get -q -o DPkg::Lock::Timeout=300';
  const fresh = `find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -${minutes} | grep -q .`;
  const install = [
    apt,
    '-y',
    '-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold',
    options.recommends ? '' : '--no-install-recommends',
    'install --',
    quoteAll(names),
  ]
    .filter(Boolean)
    .join(' ');
  return `{ ${fresh} || ${apt} update; } && ${install}`;
}
