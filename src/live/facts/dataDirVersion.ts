/** PG_VERSION of a data directory: the major version whose cluster it holds; undefined when it holds none. */
import { quote } from '../../engine/index.js';
import type { Fact } from '../fact.js';

export function dataDirVersion(dataDir: string): Fact<string | undefined> {
  const file = `${dataDir}/PG_VERSION`;
  return {
    key: 'pgdata',
    read: { shell: `[ -f ${quote(file)} ] && echo "m1:pgdata=$(cat ${quote(file)})"` },
    parse: (lines) => lines[0]?.value.trim() || undefined,
  };
}
