/**
 * The kinds of value a variable can hold, each a small parser: raw YAML in,
 * a typed value or the problems out (every one, with the path below the
 * variable). Free text that ends up in a root-owned file is held to what that
 * file accepts: one line without control characters at least, and the file's
 * own grammar where it has one (cron fields, account names, host names).
 *
 * Plain TypeScript rather than zod: the table `m1 validate --vars` prints
 * needs each kind's own words (type, range, default), the messages must say
 * what the file accepts, and TPA's YAML conventions (`yes` is true, "5432"
 * is a port) are coercions zod would need spelled out for every kind anyway.
 */
import { isIP } from 'node:net';
import { hostnameProblem } from '../inventory/hostname.js';

/** Where m1 reads a variable: cluster_vars only, or an instance's vars first and then cluster_vars. */
export type VarScope = 'cluster' | 'host';

export interface VarProblem {
  /** Below the variable: [] for the value itself, ['work_mem'] for a key of a mapping. */
  path: (string | number)[];
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: VarProblem[] };

export interface VarSpec<T = unknown, D extends T | undefined = T | undefined, S extends VarScope = VarScope> {
  /** The value's kind as the table shows it: "port", "one of session, transaction, statement". */
  readonly type: string;
  /** One line: what the variable does. */
  readonly meaning: string;
  /** The value when unset; undefined when m1 computes it (defaultText says how) or there is none. */
  readonly default: D;
  readonly defaultText?: string;
  readonly scope: S;
  /** False for TPA's variables m1 accepts in config.yml but does not use. */
  readonly read: boolean;
  parse(raw: unknown): Parsed<T>;
}

export interface SpecOptions<D, S extends VarScope> {
  meaning: string;
  scope: S;
  default?: D;
  defaultText?: string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string, path: (string | number)[] = []): Parsed<never> => ({ ok: false, problems: [{ path, message }] });

/** A value as the user wrote it, for messages. */
export function shown(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'a mapping';
  return JSON.stringify(v) ?? String(v);
}

function spec<T, D extends T | undefined, S extends VarScope>(
  type: string,
  o: SpecOptions<D, S>,
  parse: (raw: unknown) => Parsed<T>,
): VarSpec<T, D, S> {
  const s = { type, meaning: o.meaning, default: o.default as D, scope: o.scope, read: true, parse };
  return o.defaultText === undefined ? s : { ...s, defaultText: o.defaultText };
}

// --- text ---------------------------------------------------------------

/** ASCII control characters and DEL: a line break adds a line to the file, others confuse its reader. */
const CONTROL = /[\u0000-\u001f\u007f]/;

export function controlProblem(s: string): string | undefined {
  return CONTROL.test(s) ? 'contains a line break or another control character' : undefined;
}

/** A one-line string; numbers are taken as their text (YAML reads `port: 5432` as a number). */
function oneLine(raw: unknown): Parsed<string> {
  if (typeof raw === 'number' && Number.isFinite(raw)) return ok(String(raw));
  if (typeof raw !== 'string') return bad(`expected text, got ${shown(raw)}`);
  const p = controlProblem(raw);
  return p ? bad(`${shown(raw)} ${p}`) : ok(raw);
}

export interface TextOptions<D, S extends VarScope> extends SpecOptions<D, S> {
  /** The whole value must match; `expected` says what in words (messages), `type` in a few (the table). */
  pattern?: RegExp;
  expected?: string;
  type?: string;
}

/** One line of text, optionally of a given shape. */
export function text<S extends VarScope, D extends string | undefined = undefined>(o: TextOptions<D, S>): VarSpec<string, D, S> {
  return spec(o.type ?? 'text (one line)', o, (raw) => {
    const r = oneLine(raw);
    if (!r.ok || !o.pattern || o.pattern.test(r.value)) return r;
    return bad(`expected ${o.expected ?? `text matching ${o.pattern}`}, got ${shown(raw)}`);
  });
}

/** A Unix account name as useradd accepts it (Debian's default rule, no trailing $). */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function account<S extends VarScope, D extends string | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<string, D, S> {
  return text({ ...o, type: 'account name', pattern: ACCOUNT_NAME, expected: 'an account name (a-z, 0-9, _ and -, starting with a letter or _, at most 32)' });
}

/** Names /etc/hosts must keep answering as they do: the loopback names Debian writes. */
export const RESERVED_HOSTNAMES: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'localhost6',
  'localhost6.localdomain6',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
]);

function hostname(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return bad(`expected a host name, got ${shown(raw)}`);
  if (RESERVED_HOSTNAMES.has(raw.toLowerCase())) return bad(`"${raw}" is reserved for the loopback address`);
  const problem = controlProblem(raw) ?? hostnameProblem(raw, true);
  return problem ? bad(`${shown(raw)} ${problem}`) : ok(raw);
}

/** An IP address or a host name, for a file that names where to listen or connect. */
export function address<S extends VarScope, D extends string | undefined = undefined>(
  o: SpecOptions<D, S> & { wildcard?: boolean },
): VarSpec<string, D, S> {
  return spec(o.wildcard ? 'address (IP, host name or *)' : 'address (IP or host name)', o, (raw) => {
    if (typeof raw === 'string' && (isIP(raw) !== 0 || (o.wildcard && raw === '*'))) return ok(raw);
    if (typeof raw !== 'string') return bad(`expected an IP address or a host name, got ${shown(raw)}`);
    const p = controlProblem(raw) ?? hostnameProblem(raw, true);
    return p ? bad(`${shown(raw)} is neither an IP address nor a host name`) : ok(raw);
  });
}

/** An absolute path of plain characters (it lands in configuration files and command lines). */
export function absolutePath<S extends VarScope, D extends string | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<string, D, S> {
  return text({ ...o, type: 'absolute path', pattern: /^\/[A-Za-z0-9._+@/-]*$/, expected: 'an absolute path (letters, digits, . _ + @ - and /)' });
}

const CRON_FIELD = /^[0-9*,/-]+$/;
const CRON_NAMED_FIELD = /^[0-9A-Za-z*,/-]+$/;

/** Five cron time fields (minute hour day month weekday); no @keywords, nothing after them. */
export function cronSchedule<S extends VarScope, D extends string | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<string, D, S> {
  return spec('cron schedule (5 fields)', o, (raw) => {
    const r = oneLine(raw);
    if (!r.ok) return r;
    const fields = r.value.trim().split(/\s+/);
    const valid =
      fields.length === 5 && fields.every((f, k) => (k >= 3 ? CRON_NAMED_FIELD : CRON_FIELD).test(f));
    if (!valid) return bad(`expected five cron fields such as "0 4 * * wed,sat" (digits, names, * , - /; no @), got ${shown(raw)}`);
    return ok(fields.join(' '));
  });
}

// --- numbers and choices ----------------------------------------------------

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** A YAML boolean or a word Ansible takes for one (yes, on, 1...). */
export function bool<S extends VarScope, D extends boolean | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<boolean, D, S> {
  return spec('boolean', o, (raw) => {
    if (typeof raw === 'boolean') return ok(raw);
    const word = typeof raw === 'string' || typeof raw === 'number' ? String(raw).toLowerCase() : undefined;
    if (word !== undefined && TRUE.has(word)) return ok(true);
    if (word !== undefined && FALSE.has(word)) return ok(false);
    return bad(`expected true or false, got ${shown(raw)}`);
  });
}

/** An integer within [min, max]; digits in quotes count (Ansible templates give strings). */
export function int<S extends VarScope, D extends number | undefined = undefined>(
  o: SpecOptions<D, S> & { min: number; max?: number; unit?: string },
): VarSpec<number, D, S> {
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  const range = o.max === undefined ? `≥ ${o.min}` : `${o.min}–${o.max}`;
  return spec(`integer ${range}${o.unit ? ` (${o.unit})` : ''}`, o, (raw) => {
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (typeof n === 'number' && Number.isInteger(n) && n >= o.min && n <= max) return ok(n);
    return bad(`expected an integer ${o.max === undefined ? `from ${o.min}` : `from ${o.min} to ${max}`}, got ${shown(raw)}`);
  });
}

/** A TCP port. */
export function port<S extends VarScope, D extends number | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<number, D, S> {
  const s = int({ ...o, min: 1, max: 65535 });
  return { ...s, type: 'port (1–65535)' };
}

/** One of a fixed list of words. */
export function oneOf<const V extends readonly string[], S extends VarScope, D extends V[number] | undefined = undefined>(
  values: V,
  o: SpecOptions<D, S>,
): VarSpec<V[number], D, S> {
  return spec(`one of ${values.join(', ')}`, o, (given) => {
    // YAML 1.1 reads a bare on / off as a boolean: where on and off are allowed values, that is what was meant.
    const raw = given === true && values.includes('on') ? 'on' : given === false && values.includes('off') ? 'off' : given;
    return typeof raw === 'string' && values.includes(raw) ? ok(raw as V[number]) : bad(`expected one of ${values.join(', ')}, got ${shown(given)}`);
  });
}

// --- lists and mappings -----------------------------------------------------

/** A list whose items each parse as `item`; a single value counts as a one-item list (as TPA's templates allow) unless `single: false`. */
export function listOf<T, S extends VarScope, D extends T[] | undefined = undefined>(
  type: string,
  item: (raw: unknown) => Parsed<T>,
  o: SpecOptions<D, S> & { single?: false },
): VarSpec<T[], D, S> {
  return spec(type, o, (raw) => {
    const single = o.single !== false && (typeof raw !== 'object' || raw === null);
    const items = Array.isArray(raw) ? raw : single ? [raw] : undefined;
    if (!items) return bad(`expected a list, got ${shown(raw)}`);
    const out: T[] = [];
    const problems: VarProblem[] = [];
    items.forEach((v, k) => {
      const r = item(v);
      if (r.ok) out.push(r.value);
      else for (const p of r.problems) problems.push({ path: Array.isArray(raw) ? [k, ...p.path] : p.path, message: p.message });
    });
    return problems.length ? { ok: false, problems } : ok(out);
  });
}

export const lineItem = (raw: unknown): Parsed<string> => oneLine(raw);
export const hostnameItem = hostname;

/** item parser from a spec's parse (a list of ports, of account names...). */
export function itemOf<T>(s: VarSpec<T>): (raw: unknown) => Parsed<T> {
  return (raw) => s.parse(raw);
}

export type Scalar = string | number | boolean;

/** A scalar on one line: what a configuration file's `name = value` line can hold. */
export function scalarValue(raw: unknown): Parsed<Scalar> {
  if (typeof raw === 'boolean') return ok(raw);
  if (typeof raw === 'number') return Number.isFinite(raw) ? ok(raw) : bad(`${raw} is not a finite number`);
  if (typeof raw === 'string') {
    const p = controlProblem(raw);
    return p ? bad(`${shown(raw)} ${p}`) : ok(raw);
  }
  return bad(`expected a string, number or boolean, got ${shown(raw)}`);
}

/** A postgresql.conf setting name: an identifier, or a custom class.name. */
export const GUC_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A value for one postgresql.conf setting (m1 quotes and escapes it). */
export function setting<S extends VarScope, D extends Scalar | undefined = undefined>(o: SpecOptions<D, S>): VarSpec<Scalar, D, S> {
  return spec('setting value', o, scalarValue);
}

/** A mapping of names to values, each name of `keyPattern` and each value parsed by `value`. */
export function mapOf<T, S extends VarScope>(
  type: string,
  keyPattern: RegExp,
  keyExpected: string,
  value: (raw: unknown) => Parsed<T>,
  o: SpecOptions<undefined, S>,
): VarSpec<Record<string, T>, undefined, S> {
  return spec(type, o, (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(`expected a mapping of name: value, got ${shown(raw)}`);
    const out: Record<string, T> = {};
    const problems: VarProblem[] = [];
    for (const [key, v] of Object.entries(raw)) {
      if (!keyPattern.test(key)) {
        problems.push({ path: [key], message: `not ${keyExpected}` });
        continue;
      }
      const r = value(v);
      if (r.ok) out[key] = r.value;
      else for (const p of r.problems) problems.push({ path: [key, ...p.path], message: p.message });
    }
    return problems.length ? { ok: false, problems } : ok(out);
  });
}

/** A mapping merged into a structured file m1 serialises itself (patroni.yml, the DCS): only its shape is checked here. */
export function document<S extends VarScope>(o: SpecOptions<undefined, S>): VarSpec<Record<string, unknown>, undefined, S> {
  return spec('mapping', o, (raw) =>
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? ok(raw as Record<string, unknown>) : bad(`expected a mapping, got ${shown(raw)}`),
  );
}

/** A variable of TPA's that m1 accepts in config.yml and does not use. */
export function tpaOnly(meaning: string): VarSpec<unknown, undefined, 'host'> & { readonly read: false } {
  return { type: 'any', meaning, default: undefined, scope: 'host', read: false, parse: (raw) => ok(raw) };
}

/** A kind of its own: `parse` does the whole check. */
export function custom<T, S extends VarScope, D extends T | undefined = undefined>(
  type: string,
  o: SpecOptions<D, S>,
  parse: (raw: unknown) => Parsed<T>,
): VarSpec<T, D, S> {
  return spec(type, o, parse);
}

export { ok as parsedOk, bad as parsedBad };
