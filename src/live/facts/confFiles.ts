/** Files of a configuration directory as they are, by file name; a missing file is absent. */
import type { Fact } from '../fact.js';
import { decode, fileLine } from '../protocol.js';

export function confFiles(dir: string, names: readonly string[]): Fact<Record<string, string>> {
  for (const n of names) if (!/^[A-Za-z0-9_.-]+$/.test(n)) throw new Error(`conf file name ${JSON.stringify(n)}: a plain file name expected`);
  return {
    key: 'conf',
    read: { shell: names.length === 0 ? ':' : names.map((n) => fileLine(`conf:${n}`, `${dir}/${n}`)).join('\n') },
    parse: (lines) => {
      const out: Record<string, string> = {};
      for (const l of lines) if (names.includes(l.part)) out[l.part] = decode(l.value);
      return out;
    },
  };
}
