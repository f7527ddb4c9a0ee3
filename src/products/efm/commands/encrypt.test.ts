import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLayout } from '../../../../test/unit/roles/efm/clusters.js';
import { efmEncryptCommand, parseEncryptOutput } from './encrypt.js';
import { shellLine } from './hostCommand.js';

const PASSWORD = `pa ss'w"o$rd\\with(*&^%)`;

describe('efmEncryptCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm1-efm-encrypt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the password out of argv and runs efm as the efm user', () => {
    const cmd = efmEncryptCommand(defaultLayout({ efm_version: '5.2' }), PASSWORD);
    expect(cmd.argv.join(' ')).not.toContain('pa ss');
    expect(cmd.argv).toContain('/usr/edb/efm-5.2/bin/efm');
    expect(cmd.argv).toContain('efm1');
    expect(cmd.user).toBe('efm');
    expect(cmd.secret).toBe(true);
    expect(cmd.describe).toBe('efm encrypt efm1 --from-env');
    expect(cmd.describe).not.toContain('pa ss');
  });

  it('hands the password to efm as EFMPASS, byte for byte, when a shell runs it', () => {
    // A stand-in for efm that records its arguments and what it found in EFMPASS.
    const fakeEfm = join(dir, 'efm');
    writeFileSync(fakeEfm, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\nprintf '%s' "$EFMPASS" > ${dir}/pass\necho 7ceecd8965fa7a5c330eaa9e43696f83\n`);
    chmodSync(fakeEfm, 0o755);
    const cmd = efmEncryptCommand(defaultLayout(), PASSWORD);
    const argv = cmd.argv.map((a) => (a === '/usr/edb/efm-4.9/bin/efm' ? fakeEfm : a));
    // Through a shell line, as an SSH exec channel would run it.
    const run = spawnSync('sh', ['-c', shellLine({ ...cmd, argv })], { input: cmd.stdin, encoding: 'utf8', env: { PATH: process.env['PATH'] } });
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, 'pass'), 'utf8')).toBe(PASSWORD);
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('encrypt\nefm1\n--from-env\n');
    expect(parseEncryptOutput(run.stdout)).toBe('7ceecd8965fa7a5c330eaa9e43696f83');
  });

  it('refuses a password that is empty or spans lines', () => {
    expect(() => efmEncryptCommand(defaultLayout(), '')).toThrow(/one non-empty line/);
    expect(() => efmEncryptCommand(defaultLayout(), 'a\nb')).toThrow(/one non-empty line/);
  });
});

describe('parseEncryptOutput', () => {
  it('takes the hex string on the last line', () => {
    expect(parseEncryptOutput('7ceecd8965fa7a5c330eaa9e43696f83\n')).toBe('7ceecd8965fa7a5c330eaa9e43696f83');
    expect(parseEncryptOutput('some notice\n516b36fb8031da17cfbc010f7d09359c\n\n')).toBe('516b36fb8031da17cfbc010f7d09359c');
  });
  it('fails without quoting what efm printed', () => {
    expect(() => parseEncryptOutput('Error: secret-ish text')).toThrow(/no encrypted password/);
    try {
      parseEncryptOutput('Error: secret-ish text');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-ish');
    }
    expect(() => parseEncryptOutput('')).toThrow(/0 line/);
  });
});
