import { describe, expect, it } from 'vitest';
import { knownHostsLines, recoverArgs, recoverCommand, recoverKnownHostsPath, recoverSshCommand } from './recover.js';

const spec = { server: 'prod', backupId: '20261207T023955', destination: '/opt/postgres/data', address: '10.33.4.7', label: 'prod-tuesday' };

describe('barman recover to a new host', () => {
  it('to a time: the target, promote at it, the WAL copied (no get-wal), over SSH as postgres with a known_hosts file of its own, strictly', () => {
    const kh = recoverKnownHostsPath('prod-tuesday');
    expect(kh).toBe('/var/lib/barman/.ssh/m1-restore-prod-tuesday.known_hosts');
    expect(recoverArgs({ ...spec, target: { kind: 'time', text: '2026-12-07 02:55:00.123456+00:00' } }, kh)).toEqual([
      'recover',
      '--target-time',
      '2026-12-07 02:55:00.123456+00:00',
      '--target-action',
      'promote',
      '--no-get-wal',
      '--remote-ssh-command',
      `ssh -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 postgres@10.33.4.7`,
      'prod',
      '20261207T023955',
      '/opt/postgres/data',
    ]);
  });

  it('to an LSN; --latest: no target and no target action (Postgres promotes at the end of the WAL)', () => {
    expect(recoverArgs({ ...spec, target: { kind: 'lsn', lsn: '0/5000A60' } }, 'k').slice(0, 5)).toEqual(['recover', '--target-lsn', '0/5000A60', '--target-action', 'promote']);
    expect(recoverArgs({ ...spec, target: { kind: 'latest' } }, 'k').slice(0, 3)).toEqual(['recover', '--no-get-wal', '--remote-ssh-command']);
  });

  it('as barman: the known_hosts lines from stdin, recover, the file removed whatever recover did, its status kept', () => {
    const c = recoverCommand({ ...spec, target: { kind: 'latest' } });
    expect(c).toMatch(/^runuser -u barman -- sh -c /);
    const kh = recoverKnownHostsPath('prod-tuesday');
    expect(c.indexOf(`cat > ${kh}`)).toBeGreaterThan(0);
    expect(c.indexOf('/usr/bin/barman recover')).toBeGreaterThan(c.indexOf(`cat > ${kh}`));
    expect(c).toMatch(/rc=\$\?\nrm -f \/var\/lib\/barman\/\.ssh\/m1-restore-prod-tuesday\.known_hosts\nexit \$rc'$/);
    expect(knownHostsLines('10.33.4.7', [{ algorithm: 'ssh-ed25519', base64: 'AAAA' }, { algorithm: 'ecdsa-sha2-nistp256', base64: 'BBBB' }])).toBe(
      '10.33.4.7 ssh-ed25519 AAAA\n10.33.4.7 ecdsa-sha2-nistp256 BBBB\n',
    );
    expect(recoverSshCommand('h', 'f')).not.toMatch(/StrictHostKeyChecking=no/);
  });
});
