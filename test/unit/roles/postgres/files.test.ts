import { describe, expect, it } from 'vitest';
import { createclusterConf, dropDefaultClusterCommand, initdbCommand, tmpfilesConf } from '../../../../src/products/postgres/layout.js';
import { postgresServiceUnit } from '../../../../src/products/postgres/service.js';
import { postgresSudoers } from '../../../../src/products/postgres/sudoers.js';

describe('postgres.service', () => {
  const unit = postgresServiceUnit(15);
  it('runs the version\'s server on /opt/postgres/data as postgres, with sd_notify readiness', () => {
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^User=postgres$/m);
    expect(unit).toMatch(/^Environment=PGDATA=\/opt\/postgres\/data$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/lib\/postgresql\/15\/bin\/postgres -D \$\{PGDATA\}$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
  it('shuts down fast on stop and never restarts by itself (a failed primary stays down)', () => {
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^KillSignal=SIGINT$/m);
    expect(unit).toMatch(/^Restart=no$/m);
    expect(unit).toMatch(/^TimeoutStartSec=infinity$/m);
  });
  it('follows the version', () => {
    expect(postgresServiceUnit(13)).toContain('/usr/lib/postgresql/13/bin/postgres');
  });
});

describe('sudoers', () => {
  const text = postgresSudoers();
  it('lets postgres start, stop, restart, reload and query postgres and repmgr without a password', () => {
    for (const verb of ['start', 'stop', 'restart', 'reload', 'status']) {
      for (const svc of ['postgres', 'repmgr']) expect(text).toContain(`/usr/bin/systemctl ${verb} ${svc}`);
    }
    expect(text).toMatch(/^postgres ALL = \(root\) NOPASSWD: M1_POSTGRES_SERVICES$/m);
  });
  it('grants nothing broader than those exact commands', () => {
    expect(text).not.toMatch(/systemctl \*|ALL$|NOPASSWD: ALL/m);
  });
});

describe('Debian layout', () => {
  it('stops postgresql-common from creating a default cluster', () => {
    expect(createclusterConf()).toMatch(/^create_main_cluster = false$/m);
  });
  it('drops <V>/main when it exists, refusing if it manages /opt/postgres/data', () => {
    const cmd = dropDefaultClusterCommand(15);
    expect(cmd).toMatch(/^if \[ -d \/etc\/postgresql\/15\/main \]; then/);
    expect(cmd).toContain('pg_dropcluster --stop 15 main && echo dropped');
    expect(cmd).toContain("refusing");
  });
  it('initdb with data checksums into /opt/postgres/data', () => {
    expect(initdbCommand(15)).toBe(
      'TZ=UTC LC_ALL=C.UTF-8 /usr/lib/postgresql/15/bin/initdb -D /opt/postgres/data --data-checksums --auth-local=peer --auth-host=scram-sha-256 --locale=C.UTF-8 --encoding=UTF8',
    );
  });
  it('keeps the socket directory across reboots', () => {
    expect(tmpfilesConf()).toBe('d /var/run/postgresql 2775 postgres postgres - -\n');
  });
});
