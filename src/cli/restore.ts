import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('restore')
    .summary("point-in-time recovery from the cluster's Barman into a new cluster")
    .description(
      "Restore the cluster's data, as it was at a point in time, into a NEW cluster: m1 writes <new-cluster-dir>/config.yml from the source's " +
        '(same architecture, failover manager, Postgres version and settings; a primary alone, or --data-nodes N; its own Barman server; named after the new directory), ' +
        "provisions it (docker: its containers; the new primary is attached to the source's network while Barman copies to it), " +
        "runs barman recover on the source's Barman host to the new primary over SSH (the newest backup that ended before the target, WAL up to the target), " +
        'starts it until it promotes at the target, then deploys the new cluster (replicas, repmgr, its own Barman, PgBouncer). ' +
        "The source cluster is not changed (no config, no restart); when the target may lie past the WAL Barman archived, its primary is made to switch WAL once. " +
        'Prints the backup used, the WAL replayed and the time of each phase. repmgr clusters on docker only for now.\n\n' +
        'Exit 0: restored and deployed. 1: a step failed on a host (named; deprovision the new cluster and remove its directory before trying again). ' +
        '2: bad flags or config, a source restore cannot rebuild yet (Patroni, EFM, not docker), or no backup covers the target (before the end of the first backup, or in the future; the backups are named): nothing created. ' +
        '3: --into holds a cluster already (config.yml or inventory.json), or another m1 run holds the source\'s lock: nothing created.',
    )
    .addHelpText(
      'after',
      examples(
        'm1 restore clusters/m1 --into clusters/m1-tuesday --target-time "2026-12-07 02:55:00+00"',
        'm1 restore clusters/m1 --into clusters/m1-copy --latest --data-nodes 2',
        'm1 restore clusters/m1 --into clusters/m1-lsn --target-lsn 0/5000060',
      ),
    )
    .argument('<cluster-dir>', 'the source cluster directory (holds config.yml and inventory.json)')
    .requiredOption('--into <new-cluster-dir>', 'the new cluster directory (must not hold a cluster; its name is the new cluster name)')
    .option('--target-time <time>', 'restore to this time, with its zone, e.g. "2026-12-07 02:55:00.123456+00" (what now() prints)')
    .option('--target-lsn <lsn>', 'restore to this WAL position, e.g. 0/5000060')
    .option('--latest', 'restore to the last WAL Barman archived')
    .option('--data-nodes <n>', 'data nodes of the new cluster, the primary included (default 1)')
    .action(
      wrap(state, async (dir: string, opts: { into: string; targetTime?: string; targetLsn?: string; latest?: boolean; dataNodes?: string }) => {
        const { parseRestoreTarget, parseDataNodes } = await import('../../playbooks/operate/restore/target.js');
        const target = parseRestoreTarget(opts);
        const dataNodes = parseDataNodes(opts.dataNodes);
        const { restore } = await import('../../playbooks/operate/restore/run.js');
        const { formatRestore } = await import('../../playbooks/operate/restore/format.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await restore(dir, opts.into, { target, dataNodes, write, tty: Boolean(process.stdout.isTTY) });
        write(formatRestore(out));
        return out.exitCode;
      }),
    );
}
