import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasesIni, pgbouncerDatabases } from '../../../../src/products/pgbouncer/databases.js';
import { followScript, promoteScript, redirectPgbouncer } from '../../../../src/products/repmgr/scripts.js';
import { byName, twoLocationCluster } from '../fixtures.js';

describe('repmgr_redirect_pgbouncer', () => {
  it('unset means false, and so does null', () => {
    expect(redirectPgbouncer(twoLocationCluster())).toBe(false);
    expect(redirectPgbouncer(twoLocationCluster({ repmgr_redirect_pgbouncer: null }))).toBe(false);
    expect(redirectPgbouncer(twoLocationCluster({ repmgr_redirect_pgbouncer: true }))).toBe(true);
  });

  it('without it the promote hook only promotes', () => {
    const c = twoLocationCluster();
    const s = promoteScript(c, byName(c, 'beta'));
    expect(s).toContain('/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf standby promote --log-to-file || exit $?');
    expect(s).not.toContain('ssh');
    expect(s).not.toContain('pgbouncer.databases.ini');
  });
});

describe('promote hook with the redirect', () => {
  const c = twoLocationCluster({ repmgr_redirect_pgbouncer: true });
  const script = promoteScript(c, byName(c, 'gamma'));

  it('embeds exactly the databases file deploy writes for this node as primary', () => {
    const expected = databasesIni(pgbouncerDatabases(c), 'gamma');
    const body = script.split("cat <<'M1_PGBOUNCER_DATABASES'\n")[1]!.split('\nM1_PGBOUNCER_DATABASES\n')[0]!;
    expect(body + '\n').toBe(expected);
  });

  it('reaches every other PgBouncer host over SSH and its own locally', () => {
    for (const h of ['alpha', 'beta', 'delta']) expect(script).toContain(`ssh -q -o BatchMode=yes -o ConnectTimeout=5 postgres@${h} `);
    expect(script).not.toContain('postgres@gamma');
    expect(script).toContain('(databases | sh -c "$install_databases"');
  });

  describe('run against fake tools', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'm1-promote-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the file locally, pipes the same text to each remote host, and HUPs PgBouncer', () => {
      const bin = join(dir, 'bin');
      const etc = join(dir, 'etc');
      mkdirSync(bin);
      mkdirSync(etc);
      const tool = (name: string, body: string): void => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      tool('repmgr', `echo "$@" > ${dir}/repmgr.args`);
      // ssh: record the host and the text it would send, then run the remote command locally.
      tool('ssh', `for a; do case $a in postgres@*) h=\${a#postgres@};; esac; done; cat > ${dir}/ssh.$h; exit 0`);
      tool('pkill', `echo "$@" >> ${dir}/pkill.args`);
      tool('logger', `echo "$@" >> ${dir}/logger.args`);
      const local = script
        .replaceAll('/usr/lib/postgresql/15/bin/repmgr', join(bin, 'repmgr'))
        .replaceAll('/etc/pgbouncer', etc);
      writeFileSync(join(dir, 'promote.sh'), local);
      execFileSync('sh', [join(dir, 'promote.sh')], { env: { PATH: `${bin}:/usr/bin:/bin` } });

      const expected = databasesIni(pgbouncerDatabases(c), 'gamma');
      expect(readFileSync(join(dir, 'repmgr.args'), 'utf8')).toBe('-f /etc/repmgr/15/repmgr.conf standby promote --log-to-file\n');
      expect(readFileSync(join(etc, 'pgbouncer.databases.ini'), 'utf8')).toBe(expected);
      for (const h of ['alpha', 'beta', 'delta']) expect(readFileSync(join(dir, `ssh.${h}`), 'utf8')).toBe(expected);
      expect(readFileSync(join(dir, 'pkill.args'), 'utf8')).toBe('-HUP -x pgbouncer\n');
    });

    it('does not redirect anything when the promotion fails', () => {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'repmgr'), '#!/bin/sh\nexit 3\n');
      chmodSync(join(bin, 'repmgr'), 0o755);
      writeFileSync(join(bin, 'ssh'), `#!/bin/sh\ntouch ${dir}/ssh-called\n`);
      chmodSync(join(bin, 'ssh'), 0o755);
      writeFileSync(join(dir, 'promote.sh'), script.replaceAll('/usr/lib/postgresql/15/bin/repmgr', join(bin, 'repmgr')));
      let status = 0;
      try {
        execFileSync('sh', [join(dir, 'promote.sh')], { env: { PATH: `${bin}:/usr/bin:/bin` } });
      } catch (err) {
        status = (err as { status: number }).status;
      }
      expect(status).toBe(3);
      expect(() => readFileSync(join(dir, 'ssh-called'))).toThrow();
    });
  });
});

describe('follow hook', () => {
  it('follows the node id repmgrd passes', () => {
    const c = twoLocationCluster();
    expect(followScript(c, byName(c, 'delta'))).toContain(
      'exec /usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf standby follow --log-to-file --wait --upstream-node-id="$1"',
    );
  });
});
