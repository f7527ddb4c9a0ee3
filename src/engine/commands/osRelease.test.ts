import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './osRelease.js';

describe('os-release', () => {
  it('parses quoted and bare values', () => {
    const os = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n# c\n');
    expect(os).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  });
});
