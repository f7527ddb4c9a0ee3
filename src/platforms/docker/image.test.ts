import { describe, expect, it } from 'vitest';
import { buildCommand } from './image.js';

describe('buildCommand', () => {
  it('builds m1/debian:<release> with build-image.sh and the packages image with build-test-image.sh', () => {
    expect(buildCommand('m1/debian:bookworm')).toEqual({ script: expect.stringMatching(/\/docker\/build-image\.sh$/), release: 'bookworm' });
    expect(buildCommand('m1/debian-packages:trixie')).toEqual({ script: expect.stringMatching(/\/docker\/build-test-image\.sh$/), release: 'trixie' });
  });
  it('knows no other image (m1 never pulls)', () => {
    expect(buildCommand('debian:12')).toBeUndefined();
    expect(buildCommand('m1/debian:sid')).toBeUndefined();
    expect(buildCommand('tpa/rocky:9')).toBeUndefined();
  });
});
