import { describe, expect, it } from 'vitest';
import { releaseLacks, releasePostgres, releasePostgresList } from './debianReleases.js';

describe("each Debian release's PostgreSQL", () => {
  it('one major version per release: 11 has 13, 12 has 15, 13 has 17', () => {
    expect([11, 12, 13].map((o) => releasePostgres(o as 11 | 12 | 13))).toEqual([13, 15, 17]);
    expect(releasePostgresList()).toBe('Debian 11: 13, Debian 12: 15, Debian 13: 17');
  });

  it('a version the release lacks names what it has, and the release that has it', () => {
    expect(releaseLacks(13, 17)).toBeUndefined();
    expect(releaseLacks(13, 15)).toBe('Debian 13 (trixie) ships PostgreSQL 17 only, not 15 (Debian 12 (bookworm) ships 15)');
    expect(releaseLacks(11, 16)).toBe('Debian 11 (bullseye) ships PostgreSQL 13 only, not 16');
  });
});
