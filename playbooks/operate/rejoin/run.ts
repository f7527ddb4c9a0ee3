/**
 * `m1 rejoin <cluster-dir> <host>` as a library call: one reading of the
 * cluster decides (preconditions.ts); then deploy runs for that host alone
 * (deploy's rejoin of a former primary: the rewind report, its WAL kept,
 * `repmgr node rejoin --force-rewind`, its own configuration files put back,
 * registration as a standby, repmgrd restarted); then the host is read until
 * it streams from the primary. Nothing else in the cluster is touched:
 * Barman and PgBouncer still follow on the next `m1 deploy`, and the
 * summary says so when m1 status still finds them behind.
 */
import { HostError, RefusedError, UsageError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exitCodes.js';
import { managerFor } from '../../../roles/managers.js';
import { deployCluster } from '../../deploy/deploy.js';
import { openCluster } from '../cluster.js';
import type { ClusterStatus } from '../health.js';
import { gatherSnapshot } from '../status.js';
import { checkRejoin, rejoinUsageProblem } from './preconditions.js';

export interface RejoinOptions {
  write?: (text: string) => void;
  /** Draw deploy's listr2 display on the terminal. */
  tty?: boolean;
  /** How long the host may take to stream once deploy is done (default 60 s). */
  streamWaitMs?: number;
}

export interface RejoinOutcome {
  exitCode: ExitCode;
  host: string;
  /** The primary it follows (undefined when nothing was done). */
  primary?: string;
  /** Deploy ran for the host. */
  changed: boolean;
  /** The rewind report deploy printed (what the rewind discarded, where its WAL is kept). */
  rewindReport?: string;
  /** Left for a full m1 deploy (Barman or PgBouncer still behind), from m1 status afterwards. */
  followUps: string[];
  ms: number;
}


export async function rejoinHost(dir: string, host: string, options: RejoinOptions = {}): Promise<RejoinOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const ms = () => Math.round(performance.now() - t0);
  const oc = await openCluster(dir);
  let status: ClusterStatus;
  let decision: ReturnType<typeof checkRejoin>;
  try {
    const manager = managerFor(oc.cluster);
    // A bad name or a manager m1 does not rejoin for: said before any host is read.
    const usage = rejoinUsageProblem(oc.cluster, manager, host);
    if (usage !== undefined) throw new UsageError(`rejoin ${host}: ${usage}`);
    status = (await gatherSnapshot(oc, { routes: false, barmanCheck: false })).status;
    decision = checkRejoin(oc.cluster, manager, status, host);
  } finally {
    await oc.close();
  }
  switch (decision.kind) {
    case 'usage':
      throw new UsageError(`rejoin ${host}: ${decision.reason}`);
    case 'refused':
      throw new RefusedError(`rejoin ${host} refused: ${decision.reason}; nothing changed`);
    case 'unreachable':
      throw new HostError(`rejoin ${host}: ${decision.reason}`);
    case 'nothing':
      write(`${decision.reason}\n`);
      return { exitCode: ExitCode.Ok, host, changed: false, followUps: [], ms: ms() };
  }
  const primary = decision.primary;
  write(`rejoin ${host} as a standby of ${primary}: deploy for ${host} only\n`);
  let report: string | undefined;
  const d = await deployCluster(dir, {
    limit: [host],
    tty: options.tty ?? false,
    write: (text) => {
      for (const line of text.split('\n')) if (line.includes('rewind report')) report ??= line.trim();
      write(text);
    },
  });
  if (d.exitCode !== ExitCode.Ok) {
    write(`rejoin ${host}: deploy for ${host} failed (above); the rest of the cluster was not touched; fix the cause and rerun m1 rejoin\n`);
    return { exitCode: ExitCode.Failed, host, primary, changed: true, ...(report ? { rewindReport: report } : {}), followUps: [], ms: ms() };
  }
  // The registration and repmgrd restart are done; the WAL receiver may take a moment to connect.
  const until = performance.now() + (options.streamWaitMs ?? 60_000);
  let after: ClusterStatus;
  // One set of connections for every reading while the host comes up.
  const watch = await openCluster(dir);
  try {
    for (;;) {
      after = (await gatherSnapshot(watch, { routes: false, barmanCheck: false })).status;
      const h = after.hosts.find((x) => x.host === host);
      if (h?.live === 'replica' && h.replication === 'streaming') {
        write(`${host} is a standby streaming from ${h.upstream ?? primary} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
        break;
      }
      if (performance.now() > until) {
        write(`rejoin ${host}: it is ${h?.live ?? 'not read'}${h?.replication ? ` (WAL receiver: ${h.replication})` : ''}, not a streaming standby, ${Math.round((options.streamWaitMs ?? 60_000) / 1000)} s after deploy; see journalctl -u postgres on ${host}\n`);
        return { exitCode: ExitCode.Failed, host, primary, changed: true, ...(report ? { rewindReport: report } : {}), followUps: [], ms: ms() };
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await watch.close();
  }
  // What only a whole deploy moves (Barman, PgBouncer): said, not done.
  const followUps = after.problems.filter((p) => /run m1 deploy/.test(p));
  if (followUps.length > 0) write(`still for m1 deploy ${dir}:\n${followUps.map((p) => `  ${p}\n`).join('')}`);
  return { exitCode: ExitCode.Ok, host, primary, changed: true, ...(report ? { rewindReport: report } : {}), followUps, ms: ms() };
}
