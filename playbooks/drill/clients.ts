/**
 * The drill's clients: through every entry point, one statement at a time,
 * a new connection each (as a reconnecting application), retrying after any
 * failure. Writers insert numbered rows (acknowledged only when the server
 * returned its name; its transaction id kept); readers read. The control node's psql, as clientUser().
 */
import { spawn } from 'node:child_process';
import type { Cluster } from '../../src/inventory/cluster.js';
import { lastLines } from '../../src/engine/text/tail.js';
import { UsageError } from '../../src/errors.js';
import { clientLogin } from '../../src/products/postgres/applications.js';
import { clusterRoutes } from '../operate/routes.js';
import { POSTGRES_PORT } from '../../src/products/postgres/layout.js';
import { answeringServer, CLIENT_READ_SQL, clientWriteSql, writtenXid } from './sql.js';
import type { Attempt, EntryPointLog } from './timeline.js';
import { verifyFullConninfo } from '../../src/products/postgres/conninfoValue.js';

/**
 * The database user the drill's clients log in as: config.yml's application
 * login (by default `app`), a non-superuser as an application is: superusers
 * are refused from outside the cluster.
 */
export function clientUser(cluster: Cluster): string {
  const login = clientLogin(cluster);
  if (!login) throw new UsageError(`drill on ${cluster.name}: postgres_users names no login user with a generated password for the clients to log in as`);
  return login.user;
}

export interface ClientCredentials {
  user: string;
  password: string;
  /** The cluster CA's certificate on this machine: every server is verified against it (verify-full). */
  caFile: string;
}

/** At most this many attempts per second through one entry point. */
const MAX_RATE = 10;

export interface EntryPoint {
  host: string;
  /** Where the client connects (the inventory's address). */
  address: string;
  port: number;
  kind: 'write' | 'read';
}

/** Every entry point of the cluster; the primary itself when there is none. */
export function entryPoints(cluster: Cluster, addresses: Readonly<Record<string, string>>, primary: string): EntryPoint[] {
  const routes = clusterRoutes(cluster);
  if (routes.length === 0) return [{ host: primary, address: addresses[primary] ?? primary, port: POSTGRES_PORT, kind: 'write' }];
  return routes.map((r) => ({ host: r.host, address: addresses[r.host] ?? r.host, port: r.port, kind: r.wants === 'primary' ? 'write' : 'read' }));
}

function psqlOnce(e: EntryPoint, login: ClientCredentials, sql: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const conninfo = `host=${e.address} port=${e.port} dbname=postgres user=${login.user} ${verifyFullConninfo(login.caFile)} connect_timeout=2 application_name=m1_drill`;
    const child = spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', conninfo, '-c', sql], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: login.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, out: `psql: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, out });
    });
  });
}

export class Clients {
  private running = false;
  private loops: Promise<void>[] = [];
  private nextId = 1;
  readonly logs: EntryPointLog[];
  /** Ids acknowledged, by any writer. */
  readonly acked: number[] = [];
  /** The transaction id each acknowledged write returned, by row id. */
  readonly xids = new Map<number, string>();
  /** The last distinct errors, for the report. */
  readonly errors: string[] = [];

  constructor(
    private readonly points: readonly EntryPoint[],
    private readonly login: ClientCredentials,
    private readonly now: () => number,
    /** address -> host name, to name the server that answered. */
    private readonly hosts: ReadonlyMap<string, string> = new Map(),
  ) {
    this.logs = points.map((p) => ({ host: p.host, port: p.port, kind: p.kind, attempts: [] }));
  }

  start(): this {
    this.running = true;
    this.loops = this.points.map((p, n) => this.loop(p, this.logs[n]!.attempts));
    return this;
  }

  private async loop(p: EntryPoint, attempts: Attempt[]): Promise<void> {
    while (this.running) {
      const start = this.now();
      const id = this.nextId++;
      const r = await psqlOnce(p, this.login, p.kind === 'write' ? clientWriteSql(id) : CLIENT_READ_SQL);
      const server = r.ok ? answeringServer(r.out, this.hosts) : undefined;
      const atMs = this.now();
      if (server !== undefined) {
        attempts.push({ atMs, ok: true, server });
        if (p.kind === 'write') {
          this.acked.push(id);
          const xid = writtenXid(r.out);
          if (xid !== undefined) this.xids.set(id, xid);
        }
      } else {
        attempts.push({ atMs, ok: false });
        const e = `${p.host}:${p.port}: ${lastLines(r.out, 1) || 'no answer'}`;
        if (!this.errors.includes(e)) {
          this.errors.push(e);
          if (this.errors.length > 10) this.errors.shift();
        }
      }
      const wait = 1000 / MAX_RATE - (this.now() - start);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
