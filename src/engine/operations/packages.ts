/**
 * packages: Debian packages installed (install only), all missing ones in one
 * apt call. A `name=version` is the version installed on a host that has no
 * `name`; an installed package is never upgraded or downgraded here, whatever
 * its version (a deploy must not restart a server's binaries under it: m1
 * upgrade changes versions, host by host).
 */
import { assertPackageName, buildAptInstall, type AptInstallOptions } from '../commands/packages.js';
import { base, type CommonOptions, type Operation } from './types.js';

export interface PackagesOptions extends CommonOptions, AptInstallOptions {
  /** Package names, optionally `name=version` (the version installed when missing) or `name:arch`. */
  names: string[];
  /** apt can be slow: default 20 minutes. */
  timeoutMs?: number;
}

/** "name=1.2" -> "name", "libx:amd64" -> "libx". */
function nameOf(spec: string): string {
  return spec.split('=')[0]!.split(':')[0]!;
}

export function packages(options: PackagesOptions): Operation {
  const { names } = options;
  names.forEach(assertPackageName);
  return {
    ...base('packages', `packages ${names.join(' ')}`, options),
    needs: () => [{ kind: 'packages' }],
    async apply(ctx) {
      if (names.length === 0) return { status: 'ok' };
      const installed = await ctx.facts.packages();
      const missing = names.filter((spec) => !installed.has(nameOf(spec)));
      if (!missing.length) return { status: 'ok' };
      await ctx.change({ cmd: buildAptInstall(missing, options), timeoutMs: options.timeoutMs ?? 20 * 60_000 });
      // Packages bring files, users and services: nothing known before still holds.
      ctx.facts.invalidateAll();
      return { status: 'changed', diff: missing.map((m) => `+ ${m}\n`).join(''), message: `${ctx.check ? 'would install' : 'installed'} ${missing.join(' ')}` };
    },
  };
}
