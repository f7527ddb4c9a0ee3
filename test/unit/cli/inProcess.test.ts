import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

describe('m1 CLI', () => {
  it('exits 2 on an unknown command', async () => {
    expect(await main(['node', 'm1', 'no-such-command'])).toBe(2);
  });
  it('exits 0 for --help', async () => {
    expect(await main(['node', 'm1', '--help'])).toBe(0);
  });
});
