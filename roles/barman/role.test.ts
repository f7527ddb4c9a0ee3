import { describe, expect, it } from 'vitest';
import type { HostContext, Operation } from '../../src/engine/index.js';
import type { DeployContext } from '../context.js';
import type { LiveState } from '../../src/inventory/liveTopology.js';
import { defaultCluster, deployContext } from '../../test/unit/roles/fixtures.js';
import { barmanRole, targetStatePath } from './role.js';
import { barmanServerConf } from '../../src/products/barman/serverConf.js';
import { barmanServers } from '../../src/products/barman/serverName.js';

const cluster = defaultCluster();
const server = barmanServers(cluster)[0]!;

const ctx = (live: LiveState): DeployContext => deployContext(cluster, live, { passwords: { barman: 'pw-barman', streaming_barman: 'pw-streaming' } });

/** The operations the role yields on `host`, given file contents and a DONE backup count. */
async function tasks(host: string, live: LiveState, files: Record<string, string>, doneBackups: number): Promise<Operation[]> {
  const h = {
    host,
    check: false,
    // The src/live reading of the server's backup.info files.
    fact: async () => ({ facts: { backups: Array.from({ length: doneBackups }, (_, n) => ({ id: `2026010${n + 1}T000000`, status: 'DONE' })) }, errors: [] }),
    facts: { content: async (p: string) => (p in files ? Buffer.from(files[p]!) : null) },
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

  it('converged: no step runs, only the read-only check and the restart of receive-wal, guarded by whether it runs', async () => {
    const files = { [confPath]: barmanServerConf(cluster, alphaLive, server), [targetStatePath(server.name)]: 'alpha\n' };
    const ops = await tasks('gamma', alphaLive, files, 1);
    const restartReceiveWal = `start receive-wal for ${server.name} (barman cron: pg_receivewal is not running)`;
    expect(ops.filter((o) => o.kind === 'command').map((o) => o.name)).toEqual([restartReceiveWal]);
    expect(names(ops).indexOf(`barman check ${server.name}`)).toBeGreaterThan(names(ops).indexOf(restartReceiveWal));
    expect(names(ops)).toContain(`barman check ${server.name}`);
  });

  it('after a failover: retargets to the live primary', async () => {
    const files = { [confPath]: barmanServerConf(cluster, alphaLive, server), [targetStatePath(server.name)]: 'alpha\n' };
    const n = names(await tasks('gamma', betaLive, files, 1));
    expect(n).toContain(`${confPath}: backs up beta`);
    expect(n.some((x) => /first base backup of beta/.test(x))).toBe(true);
    expect(n.some((x) => /drop an unused Barman slot on alpha/.test(x))).toBe(true);
  });

  it('a retarget interrupted after the conf was rewritten is finished by the next deploy', async () => {
    const files = { [confPath]: barmanServerConf(cluster, betaLive, server), [targetStatePath(server.name)]: 'alpha\n' };
    const n = names(await tasks('gamma', betaLive, files, 1));
    expect(n.some((x) => /first base backup of beta/.test(x))).toBe(true);
  });
});
