import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeNetError } from './netError.js';

describe('describeNetError', () => {
  it('names a refused connection in words', async () => {
    // Port 1 on loopback: nothing listens there, the kernel refuses at once.
    const err = await new Promise<Error>((resolve) => connect({ host: '127.0.0.1', port: 1 }).on('error', resolve));
    expect(describeNetError(err)).toBe('connection refused');
  });
  it('keeps other messages on one line', () => {
    expect(describeNetError(new Error('Handshake failed:\n  no matching cipher'))).toBe('handshake failed: no matching cipher');
  });
});
