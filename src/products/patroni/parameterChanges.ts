/**
 * Which changed Postgres parameters need a restart, and in which order the
 * members restart.
 *
 * Patroni reloads Postgres by itself when the DCS parameters change, and sets
 * `pending_restart` on members where a changed parameter has context
 * `postmaster`. m1 then restarts those members through the REST API. The
 * classification here decides whether to wait for pending_restart flags at
 * all and in which order to restart:
 * - replicas before the leader, normally (the leader restarts last, once);
 * - the leader first when one of the hot-standby parameters decreases: a
 *   standby refuses to run with max_connections, max_worker_processes,
 *   max_wal_senders, max_prepared_transactions or max_locks_per_transaction
 *   lower than its primary's (PostgreSQL "Hot Standby" docs), so a decrease
 *   must reach the primary first and an increase the replicas first;
 * - a change that raises one of those and lowers another cannot be ordered:
 *   m1 refuses and asks for two deploys.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { PRIMARY_FIRST_WHEN_LOWERED, settingContext } from '../postgres/gucContext.js';
import type { Json, JsonObject } from './json.js';
import { pgValueKey } from './dcsPatch.js';

/** Context of a setting, as pg_settings.context reports it. */
export type PgContext = 'internal' | 'postmaster' | 'sighup' | 'superuser-backend' | 'backend' | 'superuser' | 'user';

/** A standby needs these at least as high as its primary's (the postgres role's list). */
export const HOT_STANDBY_MINIMUM_PARAMETERS: ReadonlySet<string> = new Set(PRIMARY_FIRST_WHEN_LOWERED);

/**
 * Defaults Patroni passes when a hot-standby parameter is not in the DCS
 * (its CMDLINE_OPTIONS), so removing one is a change to this value.
 */
const PATRONI_CMDLINE_DEFAULTS: Readonly<Record<string, number>> = {
  max_connections: 100,
  max_wal_senders: 10,
  max_prepared_transactions: 0,
  max_locks_per_transaction: 64,
  max_worker_processes: 8,
};

export interface ParameterChange {
  name: string;
  /** Undefined: not set before (the default applied). */
  from?: Json;
  /** Undefined: removed (back to the default). */
  to?: Json;
}

/** The parameters whose value differs between two `postgresql.parameters` maps (Postgres' reading of values). */
export function parameterChanges(current: JsonObject | undefined, desired: JsonObject | undefined): ParameterChange[] {
  const a = current ?? {};
  const b = desired ?? {};
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: ParameterChange[] = [];
  for (const name of names) {
    const from = a[name] ?? undefined;
    const to = b[name] ?? undefined;
    if (pgValueKey(from) === pgValueKey(to)) continue;
    const change: ParameterChange = { name };
    if (from !== undefined) change.from = from;
    if (to !== undefined) change.to = to;
    out.push(change);
  }
  return out;
}

export type RestartOrder = 'replicas-first' | 'leader-first' | 'conflict';

export interface ChangeClassification {
  /** Applied by Patroni's reload; no restart. */
  reload: string[];
  /** Need a restart (context postmaster). */
  restart: string[];
  /** Wait for pending_restart flags and restart flagged members. */
  mayNeedRestart: boolean;
  order: RestartOrder;
  /** Hot-standby parameters lowered / raised (explain 'leader-first' and 'conflict'). */
  lowered: string[];
  raised: string[];
}

function numeric(name: string, v: Json | undefined): number | undefined {
  if (v === undefined) return PATRONI_CMDLINE_DEFAULTS[name];
  const n = Number(String(v).trim());
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Restart or reload per changed parameter: the live pg_settings context when
 * given (parsePgSettingsContext), else the postgres role's per-version table
 * (roles/postgres/gucContext.ts; extension settings count as restart unless
 * known reloadable, and Patroni restarts only members it flags anyway).
 */
export function classifyParameterChanges(
  changes: readonly ParameterChange[],
  version: PostgresVersion,
  live?: ReadonlyMap<string, PgContext>,
): ChangeClassification {
  const reload: string[] = [];
  const restart: string[] = [];
  const lowered: string[] = [];
  const raised: string[] = [];
  for (const c of changes) {
    const name = c.name.toLowerCase();
    const ctx = live?.get(name);
    const needsRestart = ctx !== undefined ? ctx === 'postmaster' : settingContext(name, version) === 'restart';
    (needsRestart ? restart : reload).push(c.name);
    if (HOT_STANDBY_MINIMUM_PARAMETERS.has(name)) {
      const from = numeric(name, c.from);
      const to = numeric(name, c.to);
      if (from !== undefined && to !== undefined && to < from) lowered.push(c.name);
      if (from !== undefined && to !== undefined && to > from) raised.push(c.name);
    }
  }
  const order: RestartOrder =
    lowered.length > 0 && raised.length > 0 ? 'conflict' : lowered.length > 0 ? 'leader-first' : 'replicas-first';
  return { reload, restart, mayNeedRestart: restart.length > 0, order, lowered, raised };
}

/** `SELECT name, context FROM pg_settings` as `name|context` lines (psql -AtX). */
export const PG_SETTINGS_CONTEXT_QUERY = 'SELECT name, context FROM pg_settings ORDER BY name';

export function parsePgSettingsContext(stdout: string): Map<string, PgContext> {
  const map = new Map<string, PgContext>();
  for (const line of stdout.split('\n')) {
    const bar = line.indexOf('|');
    if (bar <= 0) continue;
    map.set(line.slice(0, bar).trim().toLowerCase(), line.slice(bar + 1).trim() as PgContext);
  }
  return map;
}
