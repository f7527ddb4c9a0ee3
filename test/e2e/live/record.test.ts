/**
 * Not a test: how test/fixtures/live/ is recorded. Runs only when asked:
 *   M1_RECORD_LIVE=<cluster-dir>:<scenario>[:host,host] npx vitest run test/e2e/live/record.test.ts
 */
import { describe, expect, it } from 'vitest';
import { recordLive } from '../../support/recordLive.js';

const ask = process.env['M1_RECORD_LIVE'];

describe.skipIf(!ask)('record live readings', () => {
  it('writes one file per host', async () => {
    const [dir, scenario, hosts] = ask!.split(':');
    const files = await recordLive(dir!, scenario!, hosts ? hosts.split(',') : undefined);
    console.log(files.join('\n'));
    expect(files.length).toBeGreaterThan(0);
  });
});
