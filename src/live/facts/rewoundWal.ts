/**
 * The WAL a rewind discarded and deploy's rejoin kept (one directory per
 * rejoin under REWOUND_WAL_DIR, named `<time>-from-tl<N>`), with its size, so
 * `m1 status` names it until someone has read it and removed it. Only names
 * m1 would write are listed (a stray name cannot forge a line).
 */
import { quote } from '../../engine/index.js';
import type { Fact } from '../fact.js';
import { fields, num } from '../protocol.js';

export interface RewoundWal {
  /** The directory's name under the kept-WAL directory. */
  name: string;
  /** Its size in KiB (du -sk). */
  kib?: number;
}

export function rewoundWal(dir: string): Fact<RewoundWal[]> {
  return {
    key: 'rwd',
    read: {
      shell:
        `for d in ${quote(dir)}/*/; do [ -d "$d" ] || continue; n=\${d%/}; n=\${n##*/}; ` +
        `case "$n" in *[!A-Za-z0-9._-]*) continue;; esac; echo "m1:rwd=$n|$(du -sk "$d" 2>/dev/null | cut -f1)"; done`,
    },
    parse: (lines) =>
      lines.map((l) => {
        const f = fields(l.value);
        const kib = num(f[1]);
        return kib === undefined ? { name: f[0] ?? '' } : { name: f[0] ?? '', kib };
      }),
  };
}
