/** packages: Debian packages installed (install only), all missing ones in one apt call. */
import { assertPackageName, buildAptInstall, type AptInstallOptions } from '../commands/packages.js';
import { base, type CommonOptions, type Operation } from './types.js';

export interface PackagesOptions extends CommonOptions, AptInstallOptions {
  /** Package names, optionally `name=version` or `name:arch`. */
  names: string[];
  /** apt can be slow: default 20 minutes. */
  timeoutMs?: number;
}

/** "name=1.2" -> ["name", "1.2"], "libx:amd64" -> ["libx", undefined]. */
function split(spec: string): [string, string | undefined] {
  const [nameArch = '', version] = spec.split('=');
  return [nameArch.split(':')[0]!, version];
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
      const missing = names.filter((spec) => {
        const [name, version] = split(spec);
        const have = installed.get(name);
        return have === undefined || (version !== undefined && have !== version);
      });
      if (!missing.length) return { status: 'ok' };
      await ctx.change({ cmd: buildAptInstall(missing, options), timeoutMs: options.timeoutMs ?? 20 * 60_000 });
      // Packages bring files, users and services: nothing known before still holds.
      ctx.facts.invalidateAll();
      return { status: 'changed', diff: missing.map((m) => `+ ${m}\n`).join(''), message: `${ctx.check ? 'would install' : 'installed'} ${missing.join(' ')}` };
    },
  };
}
