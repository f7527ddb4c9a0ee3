/** What makes an instance name a usable hostname (TPA's rule). */

const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Why `name` is not a usable hostname, or undefined if it is. Dotted names
 * (FQDNs) are allowed where TPA allows them (docker, bare).
 */
export function hostnameProblem(name: string, allowDots: boolean): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name !== name.toLowerCase()) return `has upper-case letters; use "${name.toLowerCase()}"`;
  const labels = name.split('.');
  if (labels.length > 1 && !allowDots) return 'contains dots, allowed only on the docker and bare platforms';
  if (name.length > 253) return 'is longer than 253 characters';
  for (const label of labels) {
    if (label.length > 63) return `has a part longer than 63 characters ("${label}")`;
    if (!LABEL.test(label)) {
      return 'is not a valid hostname (lower-case letters, digits and "-", not starting or ending with "-")';
    }
  }
  if (labels.length === 1 && name.length < 2) return 'is too short (at least 2 characters)';
  return undefined;
}
