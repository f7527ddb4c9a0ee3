/**
 * A reading: the facts to read on one host, as ONE command (one round trip
 * over the host's SSH connection, whatever the number of facts), and its
 * answer parsed fact by fact. SQL facts share one psql session on m1's server
 * (reconnecting with \c for another database), which reads them only when
 * the server on the socket is m1's own (its data directory), never a
 * package's default cluster answering on the same port.
 *
 * `m1:pgerr=` lines say why SQL facts are missing (no server socket, another
 * server's data directory, psql's own errors); they end up in `errors`.
 *
 * A bounded reading (`boundS`, m1 status) runs the facts that may wait on
 * another host side by side after the others, each cut short after `boundS`
 * (bounded.ts): the host answers in about that time whatever hangs, and what
 * was cut short comes back as `cut`, never as a wrong value.
 */
import { defineFact, quote, stderrTail, type FactDef } from '../engine/index.js';
import { HostError } from '../errors.js';
import { sqlLiteral, type Fact, type FactValue } from './fact.js';
import { linesOf, readLines } from './protocol.js';
import { boundedShell, CUT_KEY } from './bounded.js';

/** Where m1's Postgres server answers, for the SQL facts. */
export interface PostgresPlace {
  /** The versioned binaries (psql), e.g. /usr/lib/postgresql/15/bin. */
  bin: string;
  socketDir: string;
  port: number;
  /** m1's data directory: a server running from another one is not read. */
  dataDir: string;
}

export type Facts = Readonly<Record<string, Fact<unknown>>>;

export interface Reading<F extends Facts> {
  facts: F;
  /** Needed when any fact is an SQL fact. */
  postgres?: PostgresPlace;
  /** Cut each fact that may wait on another host after this many seconds (they run side by side); unset: each runs to its end in turn. */
  boundS?: number;
}

export type FactValues<F extends Facts> = { [K in keyof F]: FactValue<F[K]> };

export interface HostAnswer<F extends Facts> {
  facts: FactValues<F>;
  /** What could not be read, in the host's words. */
  errors: string[];
  /** Facts a bounded reading cut short (their value is what the fact reads from nothing). */
  cut: Array<{ name: keyof F & string; what: string }>;
}

const PG_ERR = 'pgerr';
const DB_NAME = /^[a-z_][a-z0-9_]*$/;

function checkKeys(facts: Facts): void {
  const keys = Object.values(facts).map((f) => f.key);
  for (const k of keys) {
    if (k === PG_ERR || k === CUT_KEY) throw new Error(`fact key ${k} is reserved`);
    const clash = keys.find((o) => o !== k && o.startsWith(`${k}:`));
    if (clash) throw new Error(`fact keys ${k} and ${clash} overlap`);
  }
  const dup = keys.find((k, n) => keys.indexOf(k) !== n);
  if (dup) throw new Error(`two facts read key ${dup}`);
}

/** The psql script of the SQL facts: m1's server only; each other database only when it exists; each fact only when its `when` holds. */
function sqlScript(place: PostgresPlace, facts: ReadonlyArray<Fact<unknown>>): string[] {
  const byDb = new Map<string, Array<Fact<unknown>>>();
  for (const f of facts) {
    if (!('sql' in f.read)) continue;
    const db = f.read.database;
    if (!DB_NAME.test(db)) throw new Error(`fact ${f.key}: database name ${JSON.stringify(db)}`);
    byDb.set(db, [...(byDb.get(db) ?? []), f]);
  }
  const script: string[] = [
    `SELECT current_setting('data_directory') = ${sqlLiteral(place.dataDir)} AS m1_ours \\gset`,
    '\\if :m1_ours',
  ];
  let n = 0;
  const emit = (f: Fact<unknown>) => {
    if (!('sql' in f.read)) return;
    if (f.read.when) {
      const v = `m1_when_${n++}`;
      script.push(`SELECT (${f.read.when}) AS ${v} \\gset`, `\\if :${v}`, `${f.read.sql};`, '\\endif');
    } else script.push(`${f.read.sql};`);
  };
  for (const f of byDb.get('postgres') ?? []) emit(f);
  for (const [db, list] of byDb) {
    if (db === 'postgres') continue;
    const v = `m1_db_${n++}`;
    script.push(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${sqlLiteral(db)}) AS ${v} \\gset`, `\\if :${v}`, `\\c ${db}`);
    list.forEach(emit);
    script.push('\\endif');
  }
  script.push(
    '\\else',
    `SELECT 'm1:${PG_ERR}=the server on the socket runs from ' || current_setting('data_directory') || ', not ' || ${sqlLiteral(place.dataDir)};`,
    '\\endif',
  );
  return script;
}

export function buildReadingCommand<F extends Facts>(reading: Reading<F>): string {
  const facts = Object.values(reading.facts);
  checkKeys(reading.facts);
  const lines: string[] = [];
  const bounded = reading.boundS === undefined ? [] : facts.filter((f) => 'shell' in f.read && f.read.waitsOnOthers !== undefined);
  for (const f of facts) if ('shell' in f.read && !bounded.includes(f)) lines.push(f.read.shell);
  if (facts.some((f) => 'sql' in f.read)) {
    const p = reading.postgres;
    if (!p) throw new Error(`SQL facts (${facts.filter((f) => 'sql' in f.read).map((f) => f.key).join(', ')}) need the reading's postgres place`);
    const socket = `${p.socketDir}/.s.PGSQL.${p.port}`;
    const psql = `${p.bin}/psql`;
    lines.push(
      `if [ -S ${quote(socket)} ] && [ -x ${quote(psql)} ]; then`,
      // From /: runuser keeps root's cwd, which postgres cannot read. stderr lines become m1:pgerr= lines.
      `(cd / && runuser -u postgres -- ${quote(psql)} -XAtq -h ${quote(p.socketDir)} -p ${p.port} -d postgres <<'M1_SQL'`,
      ...sqlScript(p, facts),
      'M1_SQL',
      `) 2>&1 | sed '/^m1:/!s/^/m1:${PG_ERR}=/'`,
      `elif [ -S ${quote(socket)} ]; then echo "m1:${PG_ERR}=no ${psql}"`,
      `else echo "m1:${PG_ERR}=no server socket"; fi`,
    );
  }
  if (bounded.length > 0) lines.push(boundedShell(bounded.map((f) => ({ id: f.key, shell: (f.read as { shell: string }).shell })), reading.boundS!));
  // The last fragment's status must not fail the whole reading.
  lines.push('true');
  return lines.join('\n');
}

export function parseReading<F extends Facts>(reading: Reading<F>, stdout: string): HostAnswer<F> {
  const lines = readLines(stdout);
  const errors: string[] = [];
  const facts = {} as Record<string, unknown>;
  const cutKeys = new Set(lines.filter((l) => l.key === CUT_KEY).map((l) => l.value));
  const cut: HostAnswer<F>['cut'] = [];
  for (const [name, f] of Object.entries(reading.facts)) {
    const wasCut = cutKeys.has(f.key) && 'shell' in f.read && f.read.waitsOnOthers !== undefined;
    // A fact cut short reads from nothing: what it printed before is half an answer.
    facts[name] = f.parse(wasCut ? [] : linesOf(lines, f.key), (m) => errors.push(m));
    if (wasCut) cut.push({ name, what: (f.read as { waitsOnOthers: string }).waitsOnOthers });
  }
  for (const l of lines) if (l.key === PG_ERR && l.value.trim()) errors.push(l.value.trim());
  return { facts: facts as FactValues<F>, errors, cut };
}

/**
 * A reading as an engine fact, for roles and playbooks that read through the
 * engine (cached per run like any fact; a command run afterwards makes it read
 * again). `name` tells readings apart: the same name must mean the same
 * facts. Only the shell failing throws; what the facts could not tell is in
 * the answer.
 */
export function readingFact<F extends Facts>(name: string, reading: Reading<F>): FactDef<HostAnswer<F>> {
  return defineFact(`live:${name}`, buildReadingCommand(reading), (r) => {
    if (r.code !== 0) throw new HostError(`reading ${name} exited ${r.code}: ${stderrTail(r, 2)}`);
    return parseReading(reading, r.stdout);
  });
}
