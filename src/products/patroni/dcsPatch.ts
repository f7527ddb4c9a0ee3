/**
 * The PATCH /config body that turns the live DCS configuration (GET /config)
 * into the desired one, and nothing more.
 *
 * Patroni 3.0 applies a PATCH with patch_config (patroni/utils.py): mappings
 * merge recursively, a null deletes the key, any other value replaces the
 * old one. So the body holds only the keys that differ, nested as in the
 * config; it is undefined when nothing differs (a no-op redeploy sends
 * nothing).
 *
 * Ownership: keys config.yml does not mention are left alone (e.g. `pause`
 * set by `patronictl pause`) — except
 * inside subtrees m1 owns entirely, where an extra key is deleted:
 * `postgresql.parameters` (a setting removed from config.yml goes back to
 * its default) and `slots` (a removed member's permanent slot goes away).
 */
import { isObject, jsonEqual, type Json, type JsonObject } from './json.js';
import { normalizeParamValue } from './parameters.js';

/** Subtrees where live keys absent from the desired config are deleted. */
export const M1_OWNED_SUBTREES: readonly (readonly string[])[] = [['postgresql', 'parameters'], ['slots']];

export interface DcsPatchOptions {
  ownedSubtrees?: readonly (readonly string[])[];
}

const PARAMS_PATH = 'postgresql.parameters';

/** How Postgres reads a value: on/off/true/false/yes/no/1/0 are one boolean; numbers as text. */
export function pgValueKey(v: Json | undefined): string | undefined {
  const n = normalizeParamValue(v);
  if (n === undefined) return undefined;
  const s = String(n).trim();
  const lower = s.toLowerCase();
  if (['on', 'true', 'yes'].includes(lower)) return 'on';
  if (['off', 'false', 'no'].includes(lower)) return 'off';
  return s;
}

function scalarEqual(path: string, a: Json | undefined, b: Json | undefined): boolean {
  if (path.startsWith(`${PARAMS_PATH}.`)) return pgValueKey(a) === pgValueKey(b);
  // Patroni itself compares str(old) != str(new): 5 and "5" are the same setting.
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
    return String(a) === String(b);
  }
  return jsonEqual(a, b);
}

function diff(current: JsonObject, desired: JsonObject, path: string[], owned: readonly (readonly string[])[]): JsonObject {
  const patch: JsonObject = {};
  const here = path.join('.');
  for (const [key, want] of Object.entries(desired)) {
    const have = current[key];
    const keyPath = [...path, key];
    if (want === null) {
      if (have !== undefined && have !== null) patch[key] = null;
    } else if (isObject(want) && isObject(have)) {
      const sub = diff(have, want, keyPath, owned);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!scalarEqual(keyPath.join('.'), have, want)) {
      patch[key] = want;
    }
  }
  if (owned.some((o) => o.join('.') === here)) {
    for (const key of Object.keys(current)) {
      if (!(key in desired) && current[key] !== null) patch[key] = null;
    }
  }
  return patch;
}

export function dcsConfigPatch(
  current: JsonObject,
  desired: JsonObject,
  opts: DcsPatchOptions = {},
): JsonObject | undefined {
  const patch = diff(current, desired, [], opts.ownedSubtrees ?? M1_OWNED_SUBTREES);
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** What the DCS holds once Patroni applies a patch (its patch_config), to check a PATCH's effect. */
export function applyDcsPatch(current: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = structuredClone(current);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = applyDcsPatch(out[k] as JsonObject, v);
    else out[k] = structuredClone(v);
  }
  return out;
}
