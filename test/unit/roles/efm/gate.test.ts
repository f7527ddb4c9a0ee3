import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { efmPackages, efmSkipPlan } from '../../../../src/products/efm/skipPackages.js';
import { SubscriptionToken, TOKEN_VARIABLE, efmTokenGate } from '../../../../src/products/efm/tokenGate.js';
import { UsageError } from '../../../../src/errors.js';
import { ExitCode } from '../../../../src/exitCodes.js';
import { defaultLayout } from './clusters.js';

const SECRET = 'tok-3f9a1c-very-secret';

describe('efmTokenGate', () => {
  it('stops an EFM deploy without the token: exit 2, one line naming the variable', () => {
    for (const env of [{}, { [TOKEN_VARIABLE]: '' }, { [TOKEN_VARIABLE]: '  ' }]) {
      let error: unknown;
      try {
        efmTokenGate(defaultLayout(), env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(ExitCode.BadInput);
      expect((error as UsageError).message).toContain(TOKEN_VARIABLE);
      expect((error as UsageError).message.split('\n')).toHaveLength(1);
    }
  });

  it('lets it go on with the token, which never shows when printed or serialised', () => {
    const d = efmTokenGate(defaultLayout(), { [TOKEN_VARIABLE]: ` ${SECRET}\n` });
    expect(d.needed).toBe(true);
    if (!d.needed) return;
    expect(d.token.reveal()).toBe(SECRET);
    for (const shown of [JSON.stringify(d), String(d.token), `${d.token}`, inspect(d, { depth: 5 }), inspect(d.token), JSON.stringify({ deep: [d] })]) {
      expect(shown).not.toContain(SECRET);
      expect(shown).toContain('[redacted]');
    }
    expect(Object.keys(d.token)).toEqual([]);
  });

  it('does not need the token with --skip-packages efm', () => {
    expect(efmTokenGate(defaultLayout(), {}, ['efm']).needed).toBe(false);
    expect(() => efmTokenGate(defaultLayout(), {}, ['barman'])).toThrow(UsageError);
  });

  it('wraps any value', () => {
    expect(inspect(new SubscriptionToken('x'))).toBe('SubscriptionToken([redacted])');
  });
});

describe('efmSkipPlan (--skip-packages efm)', () => {
  it('runs every step normally', () => {
    const plan = efmSkipPlan(defaultLayout(), []);
    expect(plan.skipped).toBe(false);
    expect(Object.values(plan.steps)).toEqual(['run', 'run', 'run', 'run']);
    expect(plan.leftOut).toEqual([]);
    expect(plan.packages).toEqual(['edb-efm49', 'openjdk-17-jre', 'iputils-ping', 'procps']);
  });

  it('skips the repository, install, encrypt and start, and reports the password as left out', () => {
    const plan = efmSkipPlan(defaultLayout({ efm_version: '5.2' }), ['efm']);
    expect(plan.skipped).toBe(true);
    expect(plan.steps).toEqual({ 'edb-repository': 'skip', install: 'skip', encrypt: 'skip', start: 'skip' });
    expect(plan.leftOut).toEqual([{ key: 'db.password.encrypted', reason: expect.stringContaining('--skip-packages efm') }]);
    expect(plan.report.join('\n')).toMatch(/edb-efm52 .*skipped/);
    expect(plan.report.join('\n')).toMatch(/db\.password\.encrypted left out of \/etc\/edb\/efm-5\.2\/efm1\.properties/);
  });

  it('names the package after the EFM version', () => {
    expect(efmPackages(defaultLayout({ efm_version: '4.10' }))[0]).toBe('edb-efm410');
  });
});
