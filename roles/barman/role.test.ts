import { describe, expect, it } from 'vitest';
import type { HostContext, Operation } from '../../src/engine/index.js';
import type { DeployContext } from '../context.js';
import type { LiveState } from '../../src/inventory/liveTopology.js';
import { defaultCluster, deployContext } from '../../test/unit/roles/fixtures.js';
import { barmanRole, checkPassedPath, targetStatePath } from './role.js';
import { barmanServerConf } from '../../src/products/barman/serverConf.js';
import { barmanServers } from '../../src/products/barman/serverName.js';

const cluster = defaultCluster();
const server = barmanServers(cluster)[0]!;

const ctx = (live: LiveState): DeployContext => deployContext(cluster, live, { passwords: { barman: 'pw-barman', streaming_barman: 'pw-streaming' } });

/** The operations the role yields on `host`, given file contents and a DONE backup count. */
async function tasks(host: string, live: LiveState, files: Record<string, string>, doneBackups: number, run: { changes?: number; check?: boolean } = {}): Promise<Operation[]> {
  const h = {
    host,
    check: run.check ?? false,
    changesSoFar: () => run.changes ?? 0,
    // The src/live reading of the server's backup.info files.
    fact: async () => ({ facts: { backups: Array.from({ length: doneBackups }, (_, n) => ({ id: `2026010${n + 1}T000000`, status: 'DONE' })) }, errors: [] }),
    facts: {
      content: async (p: string) => (p in files ? Buffer.from(files[p]!) : null),
      stat: async (p: string) => (p in files ? { path: p, type: 'file', size: files[p]!.length } : null),
    },
    secret: (v: string) => v,
  } as unknown as HostContext;
  const out: Operation[] = [];
  for await (const t of (await barmanRole(ctx(live)).tasks(h)) as AsyncIterable<Operation | Operation[]>) out.push(...(Array.isArray(t) ? t : [t]));
  return out;
}

const names = (ops: Operation[]) => ops.map((o) => o.name);
const alphaLive: LiveState = { primary: 'alpha', upstreams: { beta: 'alpha' } };
const betaLive: LiveState = { primary: 'beta', upstreams: {} };
const confPath = `/etc/barman.d/${server.name}.conf`;

describe('barman role', () => {
  it('does nothing on a host without the barman role', async () => {
    expect(await tasks('alpha', alphaLive, {}, 0)).toEqual([]);
  });

  it('first deploy: files, the setup steps, the check, then the target state', async () => {
    const n = names(await tasks('gamma', alphaLive, {}, 0));
    expect(n).toContain(`${confPath}: backs up alpha`);
    expect(n.filter((x) => /initial base backup|start receive-wal$|wait until pg_receivewal/.test(x))).toHaveLength(3);
    expect(n.indexOf(`barman check ${server.name}`)).toBeGreaterThan(n.findIndex((x) => /initial base backup/.test(x)));
    expect(n.at(-1)).toBe(`${targetStatePath(server.name)}: alpha`);
  });

  const converged = () => ({ [confPath]: barmanServerConf(cluster, alphaLive, server), [targetStatePath(server.name)]: 'alpha\n', [checkPassedPath(server.name)]: 'passed\n' });
  const restartReceiveWal = `start receive-wal for ${server.name} (barman cron: pg_receivewal is not running)`;
  const skippedCheck = `barman check ${server.name}: nothing changed since it last passed (m1 status runs it)`;

  it('converged: no step runs, only the restart of receive-wal guarded by whether it runs; the check is left out when nothing changed in the run since it last passed', async () => {
    const ops = await tasks('gamma', alphaLive, converged(), 1);
    expect(ops.filter((o) => o.kind === 'command').map((o) => o.name)).toEqual([restartReceiveWal]);
    expect(names(ops)).not.toContain(`barman check ${server.name}`);
    expect(names(ops)).toContain(skippedCheck);
  });

  it('converged, but something changed earlier in the run (on any host): the check runs, its own command removing the record of the last pass first and writing it again only on a pass', async () => {
    const ops = await tasks('gamma', alphaLive, converged(), 1, { changes: 1 });
    const checkOp = ops.find((o) => o.name === `barman check ${server.name}`)!;
    const sent: string[] = [];
    await checkOp.apply({ check: false, probe: async (c: { cmd: string }) => (sent.push(c.cmd), { code: 0, stdout: '', stderr: '' }) } as never);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(new RegExp(`^rm -f ${checkPassedPath(server.name)} && .*barman.* check ${server.name}.* && mkdir -p /var/lib/m1/barman && echo .* > ${checkPassedPath(server.name)}$`, 's'));
    expect(names(ops)).not.toContain(skippedCheck);
    // no operation of its own for the record: a run that changed one thing reports one change, not three
    expect(names(ops).filter((x) => x.includes(checkPassedPath(server.name)))).toEqual([]);
  });

  it('no record of a passed check (a check that failed, or the first deploy by this m1): the check runs', async () => {
    const files = converged();
    delete files[checkPassedPath(server.name)];
    const n = names(await tasks('gamma', alphaLive, files, 1));
    expect(n).toContain(`barman check ${server.name}`);
  });

  it('check mode always runs the check', async () => {
    const n = names(await tasks('gamma', alphaLive, converged(), 1, { check: true }));
    expect(n).toContain(`barman check ${server.name}`);
  });

  it('after a failover: retargets to the live primary', async () => {
    const files = { [confPath]: barmanServerConf(cluster, alphaLive, server), [targetStatePath(server.name)]: 'alpha\n' };
    const n = names(await tasks('gamma', betaLive, files, 1));
    expect(n).toContain(`${confPath}: backs up beta`);
    expect(n.some((x) => /first base backup of beta/.test(x))).toBe(true);
    expect(n.some((x) => /drop an unused Barman slot on alpha/.test(x))).toBe(true);
    // A backup of alpha m1 started detached (a switchover) fails now: cleared before beta's first backup.
    const clear = n.findIndex((x) => x === `stop the base backups of ${server.name} m1 started detached, delete what they left unfinished`);
    expect(clear).toBeGreaterThanOrEqual(0);
    expect(clear).toBeLessThan(n.findIndex((x) => /first base backup of beta/.test(x)));
  });

  it('a retarget interrupted after the conf was rewritten is finished by the next deploy', async () => {
    const files = { [confPath]: barmanServerConf(cluster, betaLive, server), [targetStatePath(server.name)]: 'alpha\n' };
    const n = names(await tasks('gamma', betaLive, files, 1));
    expect(n.some((x) => /first base backup of beta/.test(x))).toBe(true);
  });

  it('converged on its target: no backup of anyone is stopped or deleted', async () => {
    const files = { [confPath]: barmanServerConf(cluster, betaLive, server), [targetStatePath(server.name)]: 'beta\n' };
    expect(names(await tasks('gamma', betaLive, files, 1)).some((x) => /started detached/.test(x))).toBe(false);
  });
});
