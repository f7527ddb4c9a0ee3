/**
 * Role scenarios as data (pyinfra's tests/operations/*.json is the model):
 * each JSON file beside this one gives a cluster, what deploy knew of the
 * hosts, what one host answers, and the operations and commands the real
 * role must produce on it in check mode. The role runs in the real engine
 * against a strict model host (modelHost.ts): a command the scenario does
 * not answer fails the run.
 *
 * `converged: true`: the role is first applied for real on the model (its
 * file and directory writes land there; any other change must be declared),
 * then the check run must change nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeployContext, HostLiveFacts } from '../../../../roles/context.js';
import { managerFor } from '../../../../roles/managers.js';
import { patroniRole, patroniSettingsRole } from '../../../../roles/patroni/role.js';
import { postgresRole } from '../../../../roles/postgres/role.js';
import { repmgrRole } from '../../../../roles/repmgr/role.js';
import { runPlaybook, Secrets, type OpResult, type Role } from '../../../../src/engine/index.js';
import type { Cluster } from '../../../../src/inventory/cluster.js';
import type { LiveState } from '../../../../src/inventory/liveTopology.js';
import { defaultCluster, deployContext, twoLocationCluster } from '../fixtures.js';
import { patroniCluster } from '../patroni/fixture.js';
import { modelHost, type HostModel } from './modelHost.js';

interface Scenario {
  why: string;
  cluster: 'default' | 'twoLocation' | 'patroni';
  clusterVars?: Record<string, unknown>;
  role: 'postgres' | 'repmgr' | 'patroni' | 'patroni settings';
  host: string;
  live?: LiveState;
  /** What deploy read of each host before the run. */
  hosts?: Record<string, HostLiveFacts>;
  model: HostModel;
  converged?: boolean;
  expect: {
    /** [task, status] of every operation but file and directory ones, in order. */
    operations: [string, string][];
    /** Tasks of the file and directory operations that report a change. */
    files?: string[];
    /**
     * The changes the check run records for those operations (redacted, as the
     * run log shows them); an entry starting with "~" is a regular expression
     * (for long scripts whose text other tests pin).
     */
    changes: string[];
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const USERS = ['postgres', 'replication', 'repmgr', 'barman', 'streaming_barman', 'pgbouncer_auth_user', 'pgbouncer', 'patroni', 'etcd_root', 'etcd_patroni'];
const SECRET = (u: string) => `pw-${u}-s3cret`;

function clusterOf(s: Scenario): Cluster {
  if (s.cluster === 'patroni') return patroniCluster({ clusterVars: s.clusterVars });
  return s.cluster === 'twoLocation' ? twoLocationCluster(s.clusterVars) : defaultCluster(s.clusterVars);
}

function roleOf(s: Scenario, ctx: DeployContext): Role {
  if (s.role === 'postgres') return postgresRole(ctx, managerFor(ctx.cluster).postgres(ctx.cluster));
  if (s.role === 'repmgr') return repmgrRole(ctx);
  return s.role === 'patroni' ? patroniRole(ctx) : patroniSettingsRole(ctx);
}

async function run(s: Scenario) {
  const cluster = clusterOf(s);
  const secrets = new Secrets();
  const passwords = Object.fromEntries(USERS.map((u) => [u, secrets.register(SECRET(u))]));
  const ctx = deployContext(cluster, s.live, { secrets, passwords, hosts: s.hosts ?? {} });
  const host = modelHost(s.host, s.model);
  const playbook = { name: 'scenario', stages: [{ name: 'data', hosts: [s.host], roles: [roleOf(s, ctx)] }] };
  if (s.converged) {
    const first = await runPlaybook(playbook, { connectors: { [s.host]: host }, secrets });
    expect(first.failures).toEqual([]);
  }
  const checked = await runPlaybook(playbook, { connectors: { [s.host]: host }, secrets, check: true });
  return { checked, host };
}

const FILE_KINDS = new Set(['file', 'directory']);

/** The changes recorded (not run: check mode) by the operations other than files and directories. */
function changes(results: readonly OpResult[]): string[] {
  return results.filter((r) => !FILE_KINDS.has(r.kind)).flatMap((r) => r.commands.filter((c) => c.exit === null && !c.probe).map((c) => c.command));
}

const cases = readdirSync(here, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();

describe('role scenarios', () => {
  it('finds its cases', () => expect(cases.length).toBeGreaterThanOrEqual(6));
  for (const file of cases) {
    const s = JSON.parse(readFileSync(join(here, file), 'utf8')) as Scenario;
    it(`${relative('.', file)}: ${s.why}`, async () => {
      const { checked, host } = await run(s);
      if (process.env['M1_SCENARIO_PRINT']) {
        // what the role did, in the case's shape, to write a new case from (then check every line by hand)
        const fileKinds = FILE_KINDS;
        console.log(file, JSON.stringify({
          operations: checked.results.filter((r) => !fileKinds.has(r.kind)).map((r) => [r.task, r.status]),
          files: checked.results.filter((r) => fileKinds.has(r.kind) && r.status === 'changed').map((r) => r.task),
          changes: changes(checked.results),
          failures: checked.failures,
        }, null, 1));
      }
      expect(host.unexpected.map((e) => e.message)).toEqual([]);
      expect(checked.failures).toEqual([]);
      const fileKinds = FILE_KINDS;
      expect(checked.results.filter((r) => !fileKinds.has(r.kind)).map((r) => [r.task, r.status])).toEqual(s.expect.operations);
      expect(checked.results.filter((r) => fileKinds.has(r.kind) && r.status === 'changed').map((r) => r.task)).toEqual(s.expect.files ?? []);
      const actual = changes(checked.results).map((c, n) => {
        const want = s.expect.changes[n];
        return want?.startsWith('~') && new RegExp(want.slice(1), 's').test(c) ? want : c;
      });
      expect(actual).toEqual(s.expect.changes);
      // secrets never in what the run reports
      expect(JSON.stringify(checked)).not.toMatch(/s3cret/);
    });
  }
});
