import { describe, expect, it } from 'vitest';
import { efmAccounts, efmHostFiles, renderNodes, renderProperties, renderUnit } from '../../../../src/products/efm/files.js';
import { efmHbaLines, efmUserPasswordEncryption } from '../../../../src/products/efm/hba.js';
import { efmNodes } from '../../../../src/products/efm/nodes.js';
import { efmProperties } from '../../../../src/products/efm/properties.js';
import { ConfigError } from '../../../../src/errors.js';
import { byName, cascadedLayout, defaultLayout } from './clusters.js';

/** Reads a properties file back the simple way EFM's files are written: key=value lines, # comments. */
function parseProperties(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i), l.slice(i + 1)];
    });
}

describe('<cluster>.properties as a file', () => {
  it('holds exactly the properties, in order, one per line', () => {
    const c = defaultLayout({ efm_conf_settings: { 'virtual.ip': '10.33.48.230' } });
    const { properties } = efmProperties(c, byName(c, 'quack'), { encryptedPassword: 'abcdef0123456789' });
    const text = renderProperties(c, byName(c, 'quack'), properties);
    expect(parseProperties(text)).toEqual([...properties]);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')[0]).toMatch(/^# efm1\.properties for quack, written by m1/);
  });
});

describe('<cluster>.nodes', () => {
  it('lists every EFM agent, witness included, by IP or by hostname', () => {
    expect(efmNodes(defaultLayout())).toBe('10.33.48.226:7800\n10.33.48.227:7800\n10.33.48.228:7800\n');
    expect(renderNodes(defaultLayout())).toBe(efmNodes(defaultLayout()));
    expect(efmNodes(defaultLayout({ efm_bind_by_hostname: true, efm_bind_port: 7900 }))).toBe('quash:7900\nquack:7900\nquarto:7900\n');
    expect(efmNodes(cascadedLayout()).split('\n').filter(Boolean)).toHaveLength(5);
  });
});

describe('the systemd unit', () => {
  it('runs runefm.sh as efm for the cluster, after Postgres; PIDFile except on docker', () => {
    const docker = renderUnit(defaultLayout({ efm_version: '5.2' }));
    expect(docker).toContain('ExecStart=/bin/bash -c "/usr/edb/efm-5.2/bin/runefm.sh start ${CLUSTER}"');
    expect(docker).toContain('Environment=CLUSTER=efm1');
    expect(docker).toContain('User=efm');
    expect(docker).toMatch(/^After=.*postgres\.service$/m);
    expect(docker).not.toContain('PIDFile');
    const bare = renderUnit({ ...defaultLayout(), platform: 'bare' });
    expect(bare).toContain('PIDFile=/run/efm-4.9/efm1.pid');
  });
});

describe('efmHostFiles', () => {
  const c = cascadedLayout();
  const files = efmHostFiles(c, byName(c, 'kaftan'), { encryptedPassword: '0123456789abcdef0123' });
  const byPath = new Map(files.files.map((f) => [f.path, f]));

  it('puts each file in place with its owner and mode', () => {
    expect(files.directories).toEqual([{ path: '/etc/edb/efm-4.9', owner: 'efm', group: 'efm', mode: '0755' }]);
    const expected: [string, string, string][] = [
      ['/etc/edb/efm-4.9/efm2.properties', 'efm', '0640'],
      ['/etc/edb/efm-4.9/efm2.nodes', 'efm', '0640'],
      ['/etc/edb/efm-4.9/efm2-efm.notification.sh', 'efm', '0750'],
      ['/etc/systemd/system/edb-efm-4.9.service', 'root', '0644'],
      ['/etc/sudoers.d/m1_efm', 'root', '0440'],
      ['/usr/local/bin/m1-efm-pgbouncer-redirect', 'root', '0755'],
    ];
    expect(files.files.map((f) => [f.path, f.owner, f.mode])).toEqual(expected);
    // sudo refuses every rule when one file does not parse: visudo checks it before it is written.
    expect(files.files.filter((f) => f.validate).map((f) => [f.path, f.validate])).toEqual([['/etc/sudoers.d/m1_efm', "/usr/sbin/visudo -c -f -"]]);
  });

  it('never shows the encrypted password outside the file itself', () => {
    const props = byPath.get('/etc/edb/efm-4.9/efm2.properties')!;
    expect(props.sensitive).toBe(true);
    expect(props.content).toContain('db.password.encrypted=0123456789abcdef0123');
    expect(props.redactedContent).not.toContain('0123456789abcdef0123');
    expect(props.redactedContent).toContain('db.password.encrypted=[redacted]');
    expect(props.restartsEfm).toBe(true);
    expect(files.files.filter((f) => f.path !== props.path).every((f) => !f.content.includes('0123456789abcdef0123'))).toBe(true);
  });

  it('lets efm run efm_db_functions and the redirect script as postgres, nothing else', () => {
    const sudoers = byPath.get('/etc/sudoers.d/m1_efm')!.content.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(sudoers).toEqual([
      'efm ALL=(postgres) NOPASSWD: /usr/edb/efm-4.9/bin/efm_db_functions',
      'efm ALL=(postgres) NOPASSWD: /usr/local/bin/m1-efm-pgbouncer-redirect',
    ]);
    const noPgbouncer = defaultLayout();
    const plain = efmHostFiles(noPgbouncer, byName(noPgbouncer, 'quash'));
    expect(plain.files.map((f) => f.path)).not.toContain('/usr/local/bin/m1-efm-pgbouncer-redirect');
    expect(plain.files.find((f) => f.path === '/etc/sudoers.d/m1_efm')!.content).not.toContain('redirect');
  });

  it('reports the encrypted password as left out when efm encrypt has not run', () => {
    const r = efmHostFiles(c, byName(c, 'kapok'));
    expect(r.leftOut.map((l) => l.key)).toEqual(['db.password.encrypted']);
    expect(r.files[0]!.content).not.toMatch(/^db\.password\.encrypted=/m);
  });

  it('makes the efm user; Postgres owners join group efm, except on the witness', () => {
    expect(efmAccounts(c, byName(c, 'kaftan')).memberships).toEqual([{ user: 'postgres', group: 'efm' }]);
    expect(efmAccounts(c, byName(c, 'kapok')).memberships).toEqual([]);
    expect(efmAccounts(c, byName(c, 'kapok')).user.name).toBe('efm');
  });
});

describe('pg_hba lines for EFM', () => {
  it('admit the efm user from every EFM agent, witness included', () => {
    expect(efmHbaLines(defaultLayout())).toEqual([
      '# quash', 'host all efm 10.33.48.226/32 md5',
      '# quack', 'host all efm 10.33.48.227/32 md5',
      '# quarto', 'host all efm 10.33.48.228/32 md5',
    ]);
    expect(efmHbaLines(defaultLayout({ efm_user_password_encryption: 'scram-sha-256' }))[1]).toMatch(/scram-sha-256$/);
  });
  it('refuse an unknown method', () => {
    expect(() => efmUserPasswordEncryption(defaultLayout({ efm_user_password_encryption: 'trust' }))).toThrow(ConfigError);
  });
});
