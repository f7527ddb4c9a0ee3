import { describe, expect, it } from 'vitest';
import { HostError, M1Error } from '../errors.js';
import { ShellClosedError } from './connectors/shellSession.js';
import { AccessError, CommandTimeoutError, ConnectionLostError, UnreachableError } from './connectors/types.js';
import { FactError } from './facts/fact.js';
import { CommandFailedError, OperationError } from './operations/types.js';

describe("the engine's errors", () => {
  const named: [string, HostError][] = [
    ['UnreachableError', new UnreachableError('db1', 'connect ECONNREFUSED')],
    ['AccessError', new AccessError('db1', 'key not accepted')],
    ['CommandTimeoutError', new CommandTimeoutError('db1', 1500)],
    ['ConnectionLostError', new ConnectionLostError('db1', 'EOF')],
    ['ShellClosedError', new ShellClosedError('the shell exited')],
    ['FactError', new FactError('os-release', 'cat /etc/os-release', { code: 1, stdout: '', stderr: 'No such file\n' })],
    ['CommandFailedError', new CommandFailedError('systemctl start postgres', 1, 'Job failed')],
    ['OperationError', new OperationError('/etc/x is a directory')],
  ];
  const errors = named.map(([, e]) => e);
  it.each(named)('%s is a HostError: the CLI prints its message and exits 1', (name, e) => {
    expect(e).toBeInstanceOf(M1Error);
    expect(e).toBeInstanceOf(HostError);
    expect(e.exitCode).toBe(1);
    expect(e.name).toBe(name);
  });
  it('keep their messages', () => {
    expect(errors[0]!.message).toBe('db1: unreachable (connect ECONNREFUSED)');
    expect(errors[2]!.message).toBe('db1: command timed out after 1.5 s');
    expect(errors[5]!.message).toBe('reading os-release: `cat /etc/os-release` exited 1: No such file');
    expect(errors[6]!.message).toBe('`systemctl start postgres` exited 1: Job failed');
  });
});
