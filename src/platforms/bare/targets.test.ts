import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCluster } from '../../../test/support/testCluster.js';
import { bareTargets, rootCheckCommand } from './targets.js';

describe('bareTargets', () => {
  it('reads ip_address, else vars.ansible_host; ansible_port; ansible_user (root by default)', () => {
    const c = testCluster({
      name: 'b',
      platform: 'bare',
      instances: [
        { name: 'a', ipAddress: '192.0.2.1' },
        { name: 'b', vars: { ansible_host: 'db2.example.internal', ansible_port: '2222', ansible_user: 'admin' } },
      ],
    });
    c.instances[0]!.vars = {};
    expect(bareTargets(c)).toEqual({
      targets: [
        { name: 'a', address: '192.0.2.1', port: 22, user: 'root' },
        { name: 'b', address: 'db2.example.internal', port: 2222, user: 'admin' },
      ],
      problems: [],
    });
  });
  it('names an instance without an address or with a bad port', () => {
    const c = testCluster({ name: 'b', platform: 'bare', instances: [{ name: 'a' }, { name: 'b', ipAddress: '192.0.2.2', vars: { ansible_port: 'ssh' } }] });
    const { problems } = bareTargets(c);
    expect(problems).toEqual([
      { file: join(c.dir, 'config.yml'), path: 'instances[0]', message: 'a has no address: set ip_address or vars.ansible_host' },
      { file: join(c.dir, 'config.yml'), path: 'instances[b].vars.ansible_port', message: 'expected an integer from 1 to 65535, got "ssh"' },
    ]);
  });
  it('checks root directly and sudo without a password otherwise', () => {
    expect(rootCheckCommand('root')).toBe('true');
    expect(rootCheckCommand('admin')).toBe('sudo -n true');
  });
});
