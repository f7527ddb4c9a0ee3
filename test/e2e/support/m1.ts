/**
 * Shared helpers for the end-to-end scenarios: the m1 CLI run in-process with
 * its output captured, SQL and repmgr on the cluster's hosts, the secrets and
 * run logs a run must never leak.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from '../../../src/engine/shell/quote.js';
import { runM1, type CliRun } from '../../support/cli.js';
import type { ProvisionedTestCluster, SshResult } from '../../support/provisioned.js';

export type { CliRun };

/** `m1 <args>` in this process; stdout and stderr captured (and echoed when M1E2E_VERBOSE is set). */
/**
 * Runs m1 in-process. `m1 status` gets --timeout 30 unless the test gives one: the
 * scenarios check what status reads on a loaded 2-core machine, where the 3 s default
 * cuts reads short; the 3 s bound itself is asserted on bin/m1.js (operate/failover.test.ts).
 */
export function m1(...args: string[]): Promise<CliRun> {
  const bounded = args[0] === 'status' && !args.includes('--timeout') ? [...args, '--timeout', '30'] : args;
  return runM1(bounded, Boolean(process.env['M1E2E_VERBOSE']));
}

/** The recap lines of a deploy: host -> counts. */
export function recapOf(out: string): Record<string, { ok: number; changed: number; skipped: number; failed: number }> {
  const recap: Record<string, { ok: number; changed: number; skipped: number; failed: number }> = {};
  for (const m of out.matchAll(/^\s+(\S+)\s+ok=(\d+) changed=(\d+) skipped=(\d+) failed=(\d+)$/gm)) {
    recap[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), skipped: Number(m[4]), failed: Number(m[5]) };
  }
  return recap;
}

/** Runs a command as postgres on a host (from /, with postgres's .pgpass). */
export function asPostgres(c: ProvisionedTestCluster, host: string, command: string, input?: string): Promise<SshResult> {
  return c.ssh(host, `cd / && runuser -u postgres -- env HOME=/var/lib/postgresql sh -c ${quote(command)}`, input);
}

/** psql -At on the host's local server; throws with stderr when it fails. */
export async function sql(c: ProvisionedTestCluster, host: string, query: string, db = 'postgres'): Promise<string> {
  const r = await asPostgres(c, host, `/usr/lib/postgresql/${c.cluster.postgresVersion}/bin/psql -XAtq -v ON_ERROR_STOP=1 -h /var/run/postgresql -d ${db}`, query);
  if (r.code !== 0) throw new Error(`psql on ${host} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

export interface ClusterShowRow {
  id: number;
  name: string;
  role: string;
  status: string;
  upstream: string;
}

/** `repmgr cluster show`, parsed. */
export async function clusterShow(c: ProvisionedTestCluster, host: string): Promise<ClusterShowRow[]> {
  const v = c.cluster.postgresVersion;
  const r = await asPostgres(c, host, `/usr/lib/postgresql/${v}/bin/repmgr -f /etc/repmgr/${v}/repmgr.conf cluster show`);
  const rows: ClusterShowRow[] = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.split('|').map((x) => x.trim());
    if (f.length < 5 || !/^\d+$/.test(f[0]!)) continue;
    rows.push({ id: Number(f[0]), name: f[1]!, role: f[2]!, status: f[3]!, upstream: f[4]! });
  }
  return rows;
}

/** Polls `check` until it returns true, at most `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every stored password of the cluster, by user. */
export async function storedSecrets(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(join(dir, 'secrets')).catch(() => [] as string[])) {
    out[f.replace(/\.password$/, '')] = (await readFile(join(dir, 'secrets', f), 'utf8')).trim();
  }
  return out;
}

/** The text of every run log (logs/*.jsonl) of the cluster. */
export async function runLogs(dir: string): Promise<string> {
  const files = (await readdir(join(dir, 'logs')).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
  const texts = await Promise.all(files.map((f) => readFile(join(dir, 'logs', f), 'utf8')));
  return texts.join('\n');
}

/** Users whose stored password appears in any of the texts (should be none). */
export function leakedSecrets(secrets: Record<string, string>, texts: readonly string[]): string[] {
  return Object.entries(secrets)
    .filter(([, pw]) => pw.length > 0 && texts.some((t) => t.includes(pw)))
    .map(([user]) => user);
}
