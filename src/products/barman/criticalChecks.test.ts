import { describe, expect, it } from 'vitest';
import { parseBarmanCheck } from '../../live/facts/barmanCheck.js';
import { criticalFailures } from './criticalChecks.js';

describe('barman check failures that stop a backup', () => {
  it('keeps connection and WAL failures, leaves out what a backup repairs or does not depend on', () => {
    // As Barman 3.4 prints `barman check` (tab-indented `name: STATUS (hint)`).
    const out = [
      'Server m1:',
      '\tPostgreSQL: FAILED',
      '\tminimum redundancy requirements: FAILED (have 0 backups, expected at least 1)',
      '\tbackup maximum age: FAILED (interval provided: 7 days, latest backup age: No available backups)',
      '\tfailed backups: FAILED (there are 1 failed backups)',
      '\treceive-wal running: FAILED (See the Barman log file for more details)',
      '\tssh: OK (PostgreSQL server)',
    ].join('\n');
    const { failed } = parseBarmanCheck(2, out);
    expect(failed).toHaveLength(5);
    expect(criticalFailures(failed)).toEqual(['PostgreSQL: FAILED', 'receive-wal running: FAILED (See the Barman log file for more details)']);
  });

  it('a timed-out check is critical (not known to pass)', () => {
    expect(criticalFailures(parseBarmanCheck(124, '').failed)).toHaveLength(1);
  });
});
