import { describe, expect, it } from 'vitest';
import { chooseImage, debianRepositoryFrom, type ImageChoice } from './imageName.js';

/** [name in config.yml, the image run, or refused: part of the message]. */
const CASES: [string, { runs: string } | { refused: RegExp }][] = [
  // TPA's Debian names, numbers and codenames (what tpaexec configure writes is tpa/debian:12)
  ['tpa/debian:12', { runs: 'm1/debian:bookworm' }],
  ['tpa/debian:bookworm', { runs: 'm1/debian:bookworm' }],
  ['tpa/debian:11', { runs: 'm1/debian:bullseye' }],
  ['tpa/debian:bullseye', { runs: 'm1/debian:bullseye' }],
  ['tpa/debian:13', { runs: 'm1/debian:trixie' }],
  ['tpa/debian:trixie', { runs: 'm1/debian:trixie' }],
  // releases m1 does not run, and names without a release
  ['tpa/debian:10', { refused: /^tpa\/debian:10 is TPA's Debian 10 \(buster\) image; m1 runs Debian 11 \(bullseye\), 12 \(bookworm\), 13 \(trixie\): write image: tpa\/debian:12/ }],
  ['tpa/debian:stretch', { refused: /TPA's Debian 9 \(stretch\) image/ }],
  ['tpa/debian:latest', { refused: /^tpa\/debian:latest names no Debian release: write image: tpa\/debian:12 \(or m1\/debian:bookworm\)$/ }],
  ['tpa/debian', { refused: /^tpa\/debian names no Debian release/ }],
  ['tpa/debian:sid', { refused: /has a tag TPA does not know \(sid\)/ }],
  // TPA's other distributions
  ['tpa/rocky:9', { refused: /^tpa\/rocky:9 is TPA's Rocky Linux image; m1 deploys Debian hosts only: write image: tpa\/debian:12/ }],
  ['tpa/ubuntu:22.04', { refused: /TPA's Ubuntu image/ }],
  ['tpa/redhat:8', { refused: /TPA's Red Hat Enterprise Linux image/ }],
  ['tpa/sles:15', { refused: /TPA's SLES image/ }],
  // m1's own, and anything else: as given
  ['m1/debian:bookworm', { runs: 'm1/debian:bookworm' }],
  ['m1/debian-packages:bookworm', { runs: 'm1/debian-packages:bookworm' }],
  ['centos/systemd', { runs: 'centos/systemd' }],
  ['registry.example:5000/team/debian:12', { runs: 'registry.example:5000/team/debian:12' }],
  ['tpa/debian-base:12', { runs: 'tpa/debian-base:12' }],
];

function outcome(c: ImageChoice): string {
  return c.kind === 'refused' ? `refused: ${c.message}` : c.image;
}

describe('chooseImage', () => {
  it.each(CASES)('%s', (name, want) => {
    const got = chooseImage(name);
    if ('runs' in want) expect(outcome(got)).toBe(want.runs);
    else {
      expect(got.kind).toBe('refused');
      expect(got.kind === 'refused' && got.message).toMatch(want.refused);
    }
  });

  it('says what it maps, once per name, with where the image comes from', () => {
    expect(chooseImage('tpa/debian:12')).toEqual({
      kind: 'mapped',
      image: 'm1/debian:bookworm',
      note: "image tpa/debian:12 is TPA's Debian 12: m1 runs m1/debian:bookworm for it (built from Debian's archive)",
    });
    expect(chooseImage('tpa/debian:12', 'm1/debian-packages')).toEqual({
      kind: 'mapped',
      image: 'm1/debian-packages:bookworm',
      note: "image tpa/debian:12 is TPA's Debian 12: m1 runs m1/debian-packages:bookworm for it (M1_DEBIAN_IMAGE=m1/debian-packages)",
    });
    // the variable changes only what TPA's names map to
    expect(chooseImage('m1/debian:bookworm', 'm1/debian-packages')).toEqual({ kind: 'as-given', image: 'm1/debian:bookworm' });
  });
});

describe('debianRepositoryFrom', () => {
  it.each([
    [undefined, 'm1/debian'],
    ['', 'm1/debian'],
    ['m1/debian', 'm1/debian'],
    ['m1/debian-packages', 'm1/debian-packages'],
    ['m1/debian-packages:bookworm', undefined],
    ['debian', undefined],
  ])('M1_DEBIAN_IMAGE=%s -> %s', (value, want) => {
    expect(debianRepositoryFrom(value === undefined ? {} : { M1_DEBIAN_IMAGE: value })).toBe(want);
  });
});
