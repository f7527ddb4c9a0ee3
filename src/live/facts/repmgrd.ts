/** repmgrd on this node, as repmgr's extension reports it: running, and paused (`repmgr service pause`). */
import { sqlRows, type Fact } from '../fact.js';
import { bool, fields } from '../protocol.js';

export interface RepmgrdState {
  running: boolean;
  paused: boolean;
}

export const REPMGRD_SQL = sqlRows('repmgrd', ['repmgr.repmgrd_is_running()', 'repmgr.repmgrd_is_paused()']);

export const repmgrd: Fact<RepmgrdState | undefined> = {
  key: 'repmgrd',
  read: { sql: REPMGRD_SQL, database: 'repmgr', when: "to_regprocedure('repmgr.repmgrd_is_running()') IS NOT NULL" },
  parse: (lines) => {
    const line = lines[0];
    if (!line) return undefined;
    const f = fields(line.value);
    return { running: bool(f[0]), paused: bool(f[1]) };
  },
};
