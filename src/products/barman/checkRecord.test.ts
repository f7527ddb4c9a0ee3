import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.js';
import { checkRecordingPass } from './checkRecord.js';

const sh = (cmd: string) => promisify(execFile)('/bin/sh', ['-c', cmd]).then(() => 0, (e: { code: number }) => e.code);

describe('barman check with a record of its pass', () => {
  it('a pass leaves the record (its directory made); a failure removes an old one and keeps the exit status', async () => {
    const dir = scratchDir('m1-checkrecord-');
    const record = join(dir, 'state dir', 'm1.check-passed');
    expect(await sh(checkRecordingPass('true', record))).toBe(0);
    expect(existsSync(record)).toBe(true);
    expect(await sh(checkRecordingPass('exit 3', record))).toBe(3);
    expect(existsSync(record)).toBe(false);
    await writeFile(join(dir, 'other'), 'x');
    expect(await sh(checkRecordingPass('false', join(dir, 'other')))).toBe(1);
    expect(existsSync(join(dir, 'other'))).toBe(false);
  });
});
