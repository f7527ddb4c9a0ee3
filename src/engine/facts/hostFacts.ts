/**
 * The fact cache of one host for one run. Reads are batched: `prefetch`
 * takes what a list of operations will need and fetches it in one
 * command (file stats, contents and service states together, each kind in
 * its own part: commands/joinedReads.ts).
 * Operations that change something invalidate the facts they touched.
 * `ahead()` reads for a role before its stage starts (engine read-ahead):
 * what it adds is marked, and forgotten at once by `forgetAhead()` when
 * something changed in the meantime.
 */
import { buildOsRelease, parseOsRelease, type OsRelease } from '../commands/osRelease.js';
import { buildPackageQuery, parsePackageQuery } from '../commands/packages.js';
import { buildReadFiles, parseReadFiles } from '../commands/readFiles.js';
import { buildStatFiles, parseStatFiles, type FileStat } from '../commands/statFiles.js';
import { buildServiceQuery, parseServiceQuery, unitName, type ServiceState } from '../commands/systemctl.js';
import { buildAccountsQuery, parseAccountsQuery, type Accounts } from '../commands/users.js';
import { buildJoinedReads, joinedReadsToken, parseJoinedReads } from '../commands/joinedReads.js';
import type { CommandResult, Connector } from '../connectors/types.js';
import { FactError, type FactDef, type FactNeed } from './fact.js';

/** Paths per stat/read command: keeps command lines far below any limit. */
const BATCH = 400;
/** Where unit files and their drop-ins live (systemd.unit(5)'s load path). */
const SYSTEMD_UNIT_PATH = /^\/(etc|run|lib|usr\/lib)\/systemd\/(system|user)\//;
/** A fact read that takes longer than this is a hung host, not a slow one. */
const READ_TIMEOUT_MS = 120_000;

/** The reads a role makes of a host (HostFacts, or its read-ahead view). */
export interface FactReader {
  stat(path: string): Promise<FileStat | null>;
  content(path: string): Promise<Buffer | null>;
  service(unit: string): Promise<ServiceState>;
  packages(): Promise<Map<string, string>>;
  accounts(): Promise<Accounts>;
  os(): Promise<OsRelease>;
  fact<T>(def: FactDef<T>): Promise<T>;
  prefetch(needs: readonly FactNeed[]): Promise<void>;
}

/** One read of a joined command: what it runs, what it caches from its answer (its stdout, or a rejection when it failed), and how it reads alone. */
interface Part {
  command: string;
  /** Keys it reads (a command line holds at most BATCH). */
  keys: number;
  take(answer: Promise<string>): Promise<void>;
  alone(): Promise<unknown>;
}

/** Resolves when `p` settles either way: the error reaches whoever awaits the cached entry. */
function settled(p: Promise<unknown>): Promise<void> {
  return p.then(
    () => undefined,
    () => undefined,
  );
}

/** The entries of each cache that read-ahead added. */
interface Marks {
  stats: Set<string>;
  contents: Set<string>;
  services: Set<string>;
  custom: Set<string>;
  packages: boolean;
  accounts: boolean;
}

function noMarks(): Marks {
  return { stats: new Set(), contents: new Set(), services: new Set(), custom: new Set(), packages: false, accounts: false };
}

export class HostFacts implements FactReader {
  private readonly connector: Connector;
  private readonly stats = new Map<string, Promise<FileStat | null>>();
  private readonly contents = new Map<string, Promise<Buffer | null>>();
  private readonly services = new Map<string, Promise<ServiceState>>();
  private readonly custom = new Map<string, Promise<unknown>>();
  private packagesP: Promise<Map<string, string>> | undefined;
  private accountsP: Promise<Accounts> | undefined;
  private osP: Promise<OsRelease> | undefined;
  /** Commands run to gather facts (for tests and the benchmark). */
  reads = 0;
  /** Entries `ahead()` added, by cache: what `forgetAhead()` drops. */
  private aheadKeys = noMarks();

  constructor(connector: Connector) {
    this.connector = connector;
  }

  private async read(what: string, command: string): Promise<CommandResult> {
    this.reads++;
    const r = await this.connector.run(command, { idempotent: true, timeoutMs: READ_TIMEOUT_MS });
    if (r.code !== 0) throw new FactError(what, command, r);
    return r;
  }

  /** Fetches, in as few commands as possible, every fact in `needs` not cached yet. */
  async prefetch(needs: readonly FactNeed[]): Promise<void> {
    const stat = new Set<string>();
    const content = new Set<string>();
    const units = new Set<string>();
    let packages = false;
    let accounts = false;
    const facts = new Map<string, FactDef<unknown>>();
    const others: Promise<unknown>[] = [];
    for (const n of needs) {
      if (n.kind === 'stat' && !this.stats.has(n.path)) stat.add(n.path);
      else if (n.kind === 'content' && !this.contents.has(n.path)) content.add(n.path);
      else if (n.kind === 'service' && !this.services.has(unitName(n.unit))) units.add(unitName(n.unit));
      else if (n.kind === 'packages') packages = !this.packagesP;
      else if (n.kind === 'accounts') accounts = !this.accountsP;
      else if (n.kind === 'os') others.push(this.os());
      else if (n.kind === 'fact' && !this.custom.has(n.def.key)) {
        // A fact that reads stdin cannot share the command's.
        if (n.def.stdin === undefined) facts.set(n.def.key, n.def);
        else others.push(this.fact(n.def));
      }
    }
    const parts: Part[] = [];
    if (stat.size) parts.push(this.keyedPart([...stat], buildStatFiles, this.stats, parseStatFiles, (k) => this.readStats(k)));
    if (content.size) parts.push(this.keyedPart([...content], buildReadFiles, this.contents, parseReadFiles, (k) => this.readContents(k)));
    if (units.size) parts.push(this.keyedPart([...units], buildServiceQuery, this.services, parseServiceQuery, (k) => this.readServices(k)));
    if (packages) parts.push({ command: buildPackageQuery(), keys: 1, take: (a) => settled((this.packagesP = a.then((o) => parsePackageQuery(o)).catch(() => this.readPackages()))), alone: () => this.packages() });
    if (accounts) parts.push({ command: buildAccountsQuery(), keys: 1, take: (a) => settled((this.accountsP = a.then((o) => parseAccountsQuery(o)).catch(() => this.readAccounts()))), alone: () => this.accounts() });
    for (const def of facts.values()) parts.push({ command: def.command, keys: 1, take: (a) => settled(this.cacheFact(def, a.then((stdout) => def.parse({ code: 0, stdout, stderr: '' })).catch(() => this.readFact(def)))), alone: () => this.fact(def) });
    const joined = parts.length > 1 && parts.every((p) => p.keys <= BATCH);
    await Promise.all([...others, ...(joined ? [this.fetchJoined(parts)] : parts.map((p) => p.alone()))]);
  }

  /** A part of a joined read whose answer is cached per key (stats, contents, service states). */
  private keyedPart<T>(keys: string[], build: (keys: string[]) => string, cache: Map<string, Promise<T>>, parse: (keys: string[], stdout: string) => Map<string, T>, alone: (keys: string[]) => Promise<Map<string, T>>): Part {
    return {
      command: build(keys),
      keys: keys.length,
      take: (answer) => {
        const all = answer.then((o) => parse(keys, o)).catch(() => alone(keys));
        this.cacheEach(keys, cache, all);
        return settled(all);
      },
      alone: () => this.batched(keys, cache, alone),
    };
  }

  /**
   * Several reads in one command (one exec on the host instead of one each:
   * at 50 hosts the processes each exec starts there are most of a converged
   * run). A part that fails or does not parse is read again on its own, which
   * reports its error as it always did.
   */
  private fetchJoined(parts: readonly Part[]): Promise<void> {
    const token = joinedReadsToken();
    this.reads++;
    const joined = this.connector
      .run(buildJoinedReads(parts.map((p) => p.command), token), { idempotent: true, timeoutMs: READ_TIMEOUT_MS })
      .then((r) => parseJoinedReads(parts.length, token, r.stdout));
    return Promise.all(
      parts.map((part, n) =>
        part.take(
          joined.then((outs) => {
            const out = outs[n]!;
            if (out.code !== 0) throw new Error(`exit ${out.code}`);
            return out.stdout;
          }),
        ),
      ),
    ).then(() => undefined);
  }

  /** A path's type, mode, owner, group, size and sha256, or null when it does not exist. */
  stat(path: string): Promise<FileStat | null> {
    if (!this.stats.has(path)) void this.fetchStats([path]);
    return this.stats.get(path)!;
  }

  /** A regular file's content, or null when it is missing or not a regular file. */
  content(path: string): Promise<Buffer | null> {
    if (!this.contents.has(path)) void this.fetchContents([path]);
    return this.contents.get(path)!;
  }

  service(unit: string): Promise<ServiceState> {
    const name = unitName(unit);
    if (!this.services.has(name)) void this.fetchServices([name]);
    return this.services.get(name)!;
  }

  /** Installed packages (name -> version). */
  packages(): Promise<Map<string, string>> {
    this.packagesP ??= this.readPackages();
    return this.packagesP;
  }

  accounts(): Promise<Accounts> {
    this.accountsP ??= this.readAccounts();
    return this.accountsP;
  }

  private async readPackages(): Promise<Map<string, string>> {
    return parsePackageQuery((await this.read('installed packages', buildPackageQuery())).stdout);
  }

  private async readAccounts(): Promise<Accounts> {
    return parseAccountsQuery((await this.read('users and groups', buildAccountsQuery())).stdout);
  }

  os(): Promise<OsRelease> {
    this.osP ??= this.read('OS release', buildOsRelease()).then((r) => parseOsRelease(r.stdout));
    return this.osP;
  }

  /** A role-defined fact. */
  fact<T>(def: FactDef<T>): Promise<T> {
    return (this.custom.get(def.key) as Promise<T> | undefined) ?? this.cacheFact(def, this.readFact(def));
  }

  private readFact<T>(def: FactDef<T>): Promise<T> {
    this.reads++;
    return this.connector.run(def.command, { idempotent: true, timeoutMs: READ_TIMEOUT_MS, ...(def.stdin !== undefined ? { stdin: def.stdin } : {}) }).then((r) => def.parse(r));
  }

  private cacheFact<T>(def: FactDef<T>, p: Promise<T>): Promise<T> {
    this.custom.set(def.key, p);
    p.catch(() => {
      if (this.custom.get(def.key) === p) this.custom.delete(def.key); // a failed read is not cached
    });
    return p;
  }

  /**
   * The same reads, for a role whose stage has not started yet: each entry
   * this view adds is marked, so that `forgetAhead()` can drop exactly those
   * (an entry read before a change elsewhere may be stale by then). Once
   * `stopped()` says so, the view reads nothing more: an entry added after
   * the forgetting would never be forgotten.
   */
  ahead(stopped: () => boolean): FactReader {
    const mark = (n: FactNeed): void => {
      if (stopped()) throw new Error('read-ahead stopped');
      const m = this.aheadKeys;
      if (n.kind === 'stat') !this.stats.has(n.path) && m.stats.add(n.path);
      else if (n.kind === 'content') !this.contents.has(n.path) && m.contents.add(n.path);
      else if (n.kind === 'service') !this.services.has(unitName(n.unit)) && m.services.add(unitName(n.unit));
      else if (n.kind === 'fact') !this.custom.has(n.def.key) && m.custom.add(n.def.key);
      else if (n.kind === 'packages') m.packages ||= !this.packagesP;
      else if (n.kind === 'accounts') m.accounts ||= !this.accountsP;
    };
    /** Marks, then reads; a stopped view's read is a rejection. */
    const read = <T>(needs: readonly FactNeed[], fetch: () => Promise<T>): Promise<T> => {
      try {
        needs.forEach(mark);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return fetch();
    };
    return {
      stat: (path) => read([{ kind: 'stat', path }], () => this.stat(path)),
      content: (path) => read([{ kind: 'content', path }], () => this.content(path)),
      service: (unit) => read([{ kind: 'service', unit }], () => this.service(unit)),
      packages: () => read([{ kind: 'packages' }], () => this.packages()),
      accounts: () => read([{ kind: 'accounts' }], () => this.accounts()),
      os: () => this.os(), // never changes during a run
      fact: (def) => read([{ kind: 'fact', def }], () => this.fact(def)),
      prefetch: (needs) => read(needs, () => this.prefetch(needs)),
    };
  }

  /** Drops every entry `ahead()` added (whoever read it since), so the next read asks the host again. */
  forgetAhead(): void {
    const m = this.aheadKeys;
    this.aheadKeys = noMarks();
    const caches: [Set<string>, Map<string, unknown>][] = [
      [m.stats, this.stats],
      [m.contents, this.contents],
      [m.services, this.services],
      [m.custom, this.custom],
    ];
    for (const [keys, cache] of caches) for (const k of keys) cache.delete(k);
    if (m.packages) this.packagesP = undefined;
    if (m.accounts) this.accountsP = undefined;
  }

  /** Forgets what is known about paths (after writing them). */
  invalidatePaths(...paths: string[]): void {
    for (const p of paths) {
      this.stats.delete(p);
      this.contents.delete(p);
    }
    // A unit file or drop-in written: systemd now says NeedDaemonReload (or finds the unit), which a state read before did not.
    if (paths.some((p) => SYSTEMD_UNIT_PATH.test(p))) this.services.clear();
  }

  invalidateService(unit: string): void {
    this.services.delete(unitName(unit));
  }

  invalidateAccounts(): void {
    this.accountsP = undefined;
  }

  /** Forgets everything (after a command or a package install, which may change anything). */
  invalidateAll(): void {
    this.stats.clear();
    this.contents.clear();
    this.services.clear();
    this.custom.clear();
    this.packagesP = undefined;
    this.accountsP = undefined;
  }

  private fetchStats(paths: string[]): Promise<void> {
    return this.batched(paths, this.stats, (chunk) => this.readStats(chunk));
  }

  private async readStats(chunk: string[]): Promise<Map<string, FileStat | null>> {
    const r = await this.read('file status', buildStatFiles(chunk));
    return parseStatFiles(chunk, r.stdout);
  }

  private fetchContents(paths: string[]): Promise<void> {
    return this.batched(paths, this.contents, (chunk) => this.readContents(chunk));
  }

  private async readContents(chunk: string[]): Promise<Map<string, Buffer | null>> {
    const command = buildReadFiles(chunk);
    const r = await this.read('file contents', command);
    try {
      return parseReadFiles(chunk, r.stdout);
    } catch {
      // a file changed between its size and its content: read once more
      return parseReadFiles(chunk, (await this.read('file contents', command)).stdout);
    }
  }

  private fetchServices(units: string[]): Promise<void> {
    return this.batched(units, this.services, (chunk) => this.readServices(chunk));
  }

  private async readServices(chunk: string[]): Promise<Map<string, ServiceState>> {
    const r = await this.read('service states', buildServiceQuery(chunk));
    return parseServiceQuery(chunk, r.stdout);
  }

  /** Puts a pending promise for every key into the cache at once, so concurrent readers share one command. */
  private async batched<T>(keys: string[], cache: Map<string, Promise<T>>, fetch: (chunk: string[]) => Promise<Map<string, T>>): Promise<void> {
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += BATCH) chunks.push(keys.slice(i, i + BATCH));
    await Promise.all(
      chunks.map((chunk) => {
        const all = fetch(chunk);
        this.cacheEach(chunk, cache, all);
        return all.then(
          () => undefined,
          () => undefined, // the error reaches whoever awaits the key
        );
      }),
    );
  }

  /** Each key's entry: its value once `all` answers; a failed read is not cached. */
  private cacheEach<T>(keys: readonly string[], cache: Map<string, Promise<T>>, all: Promise<Map<string, T>>): void {
    for (const k of keys) {
      const one = all.then((m) => m.get(k) as T);
      cache.set(k, one);
      one.catch(() => {
        if (cache.get(k) === one) cache.delete(k);
      });
    }
  }
}
