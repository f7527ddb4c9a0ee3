/**
 * `repmgr cluster show --csv` run on this node: repmgr's own view of every
 * registered node, reached from here (repmgr 5.3 prints `id,connection,recovery`
 * per node: connection 0 reachable, -1 not; recovery 0 primary, 1 standby, -1 unknown).
 */
import { quote } from '../../engine/index.js';
import type { Fact } from '../fact.js';

export interface RepmgrShowRow {
  nodeId: number;
  /** 0: reachable; -1: not. */
  connection: number;
  /** 0: not in recovery; 1: in recovery; -1: unknown. */
  recovery: number;
}

/** `repmgrBin`: the versioned binary (/usr/bin/repmgr is pg_wrapper, which guesses the version from clusters m1 does not register). */
export function repmgrClusterShow(repmgrBin: string, confPath: string): Fact<RepmgrShowRow[]> {
  return {
    key: 'rshow',
    read: { shell: `(cd / && runuser -u postgres -- ${quote(repmgrBin)} -f ${quote(confPath)} cluster show --csv) 2>/dev/null | sed 's/^/m1:rshow=/'`, waitsOnOthers: 'repmgr cluster show' },
    parse: (lines) => {
      const out: RepmgrShowRow[] = [];
      for (const l of lines) {
        const c = l.value.split(',').map((x) => Number(x));
        if (c.length >= 3 && c.every((x) => Number.isInteger(x))) out.push({ nodeId: c[0]!, connection: c[1]!, recovery: c[2]! });
      }
      return out;
    },
  };
}
