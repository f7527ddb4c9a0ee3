/**
 * Barman reads its files with Python's ConfigParser and its default
 * interpolation: a `%` in a value must be written `%%`. Values are not
 * quoted (quotes would become part of them).
 */
import { UsageError } from '../../errors.js';

export type BarmanValue = string | number | boolean;

export function formatBarmanValue(v: BarmanValue): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  if (/[\r\n]/.test(s)) throw new UsageError(`Barman setting ${JSON.stringify(s)}: line breaks cannot be written`);
  return s.replace(/%/g, '%%');
}

export function iniSection(name: string, settings: readonly [string, BarmanValue][]): string {
  return [`[${name}]`, ...settings.map(([k, v]) => `${k} = ${formatBarmanValue(v)}`), ''].join('\n');
}
