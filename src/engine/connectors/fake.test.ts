import { describe, expect, it } from 'vitest';
import { FakeConnector, UnexpectedCommandError } from './fake.js';

describe('FakeConnector', () => {
  it('answers a declared command and fails one it does not expect, naming it', async () => {
    const c = new FakeConnector('db1').on(/^echo hi$/, { stdout: 'hi\n' });
    expect(await c.run('echo hi')).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    await expect(c.run('rm -rf /var/lib/postgresql')).rejects.toThrow(new UnexpectedCommandError('db1', 'rm -rf /var/lib/postgresql'));
    await expect(c.run('rm -rf /var/lib/postgresql')).rejects.toThrow('fake host db1: unexpected command (no rule matches): rm -rf /var/lib/postgresql');
    expect(c.unexpected).toHaveLength(2);
    expect(c.commands.map((x) => x.command)).toEqual(['echo hi', 'rm -rf /var/lib/postgresql', 'rm -rf /var/lib/postgresql']);
  });
});
