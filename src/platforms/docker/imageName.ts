/**
 * Which image a container runs, from the name config.yml gives:
 *
 * - m1's own images (m1/debian:<release>, m1/debian-packages:<release>) as
 *   they are; provision builds them when missing;
 * - TPA's names for Debian (`tpa/debian:<version or codename>`, what
 *   `tpaexec configure --platform docker` writes) as m1's image for that
 *   release, said once per run;
 * - TPA's names m1 cannot stand in for (another distribution, a Debian
 *   release m1 does not run, `latest`) refused, naming the fix;
 * - any other name as given: provision uses it when the engine has it.
 *
 * Pure: the caller reads the environment and the engine.
 */
import { DEBIAN_RELEASES, type DebianVersion } from '../../inventory/cluster.js';

/** The repositories m1 builds: the host image, and the test image with deploy's packages preinstalled. */
export const M1_REPOSITORIES = ['m1/debian', 'm1/debian-packages'] as const;
export type M1Repository = (typeof M1_REPOSITORIES)[number];

/**
 * Chooses which of m1's repositories TPA's Debian names map to (default
 * m1/debian). m1/debian-packages is a test aid: hosts with deploy's
 * packages preinstalled, so a TPA-written config.yml runs unedited on them.
 */
export const DEBIAN_IMAGE_VARIABLE = 'M1_DEBIAN_IMAGE';

/** TPA's Debian tags (its docker platform accepts numbers and codenames) and the Debian version each names. */
const TPA_DEBIAN_TAGS: Readonly<Record<string, number>> = {
  '9': 9,
  stretch: 9,
  '10': 10,
  buster: 10,
  '11': 11,
  bullseye: 11,
  '12': 12,
  bookworm: 12,
  '13': 13,
  trixie: 13,
};

const CODENAMES: Readonly<Record<number, string>> = { 9: 'stretch', 10: 'buster', 11: 'bullseye', 12: 'bookworm', 13: 'trixie' };

/** TPA's images of other distributions (tpa/<label>), by what they hold. */
const TPA_OTHER_DISTRIBUTIONS: Readonly<Record<string, string>> = {
  'tpa/almalinux': 'AlmaLinux',
  'tpa/centos': 'CentOS',
  'tpa/oraclelinux': 'Oracle Linux',
  'tpa/redhat': 'Red Hat Enterprise Linux',
  'tpa/rocky': 'Rocky Linux',
  'tpa/sles': 'SLES',
  'tpa/ubuntu': 'Ubuntu',
};

const FIX = `write image: tpa/debian:12 (or m1/debian:${DEBIAN_RELEASES[12]})`;

export type ImageChoice =
  /** Used as written: one of m1's images, or any other image the engine must already have. */
  | { kind: 'as-given'; image: string }
  /** A TPA name m1 runs its own image for; `note` says so (once per run). */
  | { kind: 'mapped'; image: string; note: string }
  /** A TPA name m1 cannot stand in for: `message` says why and the fix. */
  | { kind: 'refused'; message: string };

/** `repo[:tag]` -> repository and tag (the tag is what follows the last ':' after the last '/'). */
function splitName(name: string): { repository: string; tag: string | undefined } {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: undefined };
}

export function chooseImage(name: string, debianRepository: M1Repository = 'm1/debian'): ImageChoice {
  const { repository, tag } = splitName(name);
  const other = TPA_OTHER_DISTRIBUTIONS[repository];
  if (other !== undefined) {
    return { kind: 'refused', message: `${name} is TPA's ${other} image; m1 deploys Debian hosts only: ${FIX}` };
  }
  if (repository !== 'tpa/debian') return { kind: 'as-given', image: name };
  const version = tag === undefined ? undefined : TPA_DEBIAN_TAGS[tag];
  if (version === undefined) {
    const what = tag === undefined || tag === 'latest' ? 'names no Debian release' : `has a tag TPA does not know (${tag})`;
    return { kind: 'refused', message: `${name} ${what}: ${FIX}` };
  }
  const release = DEBIAN_RELEASES[version as DebianVersion] as string | undefined;
  if (release === undefined) {
    const versions = Object.entries(DEBIAN_RELEASES).map(([v, r]) => `${v} (${r})`);
    return {
      kind: 'refused',
      message: `${name} is TPA's Debian ${version} (${CODENAMES[version]}) image; m1 runs Debian ${versions.join(', ')}: ${FIX}`,
    };
  }
  const image = `${debianRepository}:${release}`;
  const source = debianRepository === 'm1/debian' ? "built from Debian's archive" : `${DEBIAN_IMAGE_VARIABLE}=${debianRepository}`;
  return { kind: 'mapped', image, note: `image ${name} is TPA's Debian ${version}: m1 runs ${image} for it (${source})` };
}

/** The repository TPA's Debian names map to, from the environment; undefined when the value is not one m1 builds. */
export function debianRepositoryFrom(env: NodeJS.ProcessEnv): M1Repository | undefined {
  const value = env[DEBIAN_IMAGE_VARIABLE];
  if (value === undefined || value === '') return 'm1/debian';
  return (M1_REPOSITORIES as readonly string[]).includes(value) ? (value as M1Repository) : undefined;
}
