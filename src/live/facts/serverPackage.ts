/**
 * A package as dpkg has it (its version when installed) and, when it is not
 * installed and `candidate` is asked, what apt would install: '' or '(none)'
 * means the host's package sources lack it. Asking for the candidate on a
 * host that has never fetched package lists fetches them, as the install would.
 */
import { quote } from '../../engine/index.js';
import type { Fact } from '../fact.js';

export interface PackageState {
  /** Installed version; undefined when not installed. */
  installed?: string;
  /** apt's candidate, read only when asked and not installed. */
  candidate?: string;
}

export function serverPackage(name: string, opts: { candidate: boolean }): Fact<PackageState> {
  const pkg = quote(name);
  const lines = [`echo "m1:pkg=$(dpkg-query -W -f='\${db:Status-Abbrev}\${Version}' ${pkg} 2>/dev/null | sed -n 's/^ii *//p')"`];
  if (opts.candidate) {
    lines.push(
      `if ! dpkg-query -W -f='\${db:Status-Abbrev}' ${pkg} 2>/dev/null | grep -q '^ii'; then`,
      `  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1;`,
      `  echo "m1:pkg:candidate=$(apt-cache policy ${pkg} 2>/dev/null | awk '/Candidate:/ { print $2 }')";`,
      'fi',
    );
  }
  return {
    key: 'pkg',
    read: { shell: lines.join('\n') },
    parse: (ls) => {
      const out: PackageState = {};
      for (const l of ls) {
        if (l.part === '' && l.value.trim()) out.installed = l.value.trim();
        if (l.part === 'candidate') out.candidate = l.value.trim();
      }
      return out;
    },
  };
}
