/**
 * repmgr's pause of automatic failover (m1 pause / resume): `repmgr service
 * pause|unpause`, run as postgres on one node. repmgr 5.3 connects to every
 * node in repmgr.nodes (the witness too) and calls repmgr.repmgrd_pause()
 * there, which sets the node's shared memory and writes
 * pg_stat/repmgrd_state.txt, so the state holds whether repmgrd runs or not
 * and over a restart of that node's Postgres. A paused repmgrd notices a
 * failed upstream and does nothing. A node it cannot reach keeps its state
 * and the command exits 26 (ERR_REPMGRD_PAUSE) after setting the others.
 * Pausing a paused node, or resuming a running one, changes nothing.
 */
import type { CommandResult } from '../../src/engine/index.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { servicePauseCommand } from '../../src/products/repmgr/commands.js';
import type { FailoverPause } from '../failoverManager.js';

/** repmgr's exit status when a node could not be paused or unpaused (errcode.h). */
export const ERR_REPMGRD_PAUSE = 26;

export const repmgrPause: FailoverPause = {
  command: (cluster, _host, paused) => ({
    command: asPostgres(servicePauseCommand(cluster.postgresVersion, paused)),
    timeoutMs: 60_000,
    display: `repmgr service ${paused ? 'pause' : 'unpause'}`,
  }),
  failure(r: CommandResult): string | undefined {
    if (r.code === 0) return undefined;
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => /^(WARNING|ERROR)/.test(l));
    const why = r.code === ERR_REPMGRD_PAUSE ? 'a node could not be reached' : `exit ${r.code}`;
    return `${why}${lines.length > 0 ? `: ${lines.join('; ')}` : ''}`;
  },
  // The state is set in each node's shared memory before the command returns.
  settleMs: 5_000,
};
