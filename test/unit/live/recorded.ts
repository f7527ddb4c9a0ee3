/**
 * The recorded readings of test/fixtures/live/: what real hosts printed to
 * m1's reading command (PostgreSQL 15.18, repmgr 5.3.3, Patroni 3.0.2,
 * Barman 3.4.0, PgBouncer 1.18 on Debian 12), by scenario and host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReading, type Facts, type HostAnswer } from '../../../src/live/reading.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'live');

export function recorded(scenario: string, host: string): string {
  return readFileSync(join(DIR, scenario, `${host}.txt`), 'utf8');
}

/** Parses a recorded reading for the facts given (the other lines are ignored, as in a real reading). */
export function readRecorded<F extends Facts>(scenario: string, host: string, facts: F): HostAnswer<F> {
  return parseReading({ facts }, recorded(scenario, host));
}
