/**
 * The cluster's key pair, m1-<cluster>, in each region: the public half of
 * id_<cluster> imported, so instances accept the cluster key. One that holds
 * another key (id_<cluster> regenerated) is replaced; instances made before
 * keep the key they were given. Pure.
 */
import type { ObservedRegion } from './observe.js';
import type { Step } from './steps.js';

/** `<algorithm> <base64>`: the comment is not part of the key. */
const material = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

export function planKeyPair(region: string, name: string, publicKey: string, o: ObservedRegion): { steps: Step[]; refusals: string[] } {
  const kp = o.keyPair;
  if (!kp) return { steps: [{ op: 'importKeyPair', region, name, publicKey }], refusals: [] };
  if (!kp.ours) return { steps: [], refusals: [`key pair ${name} in ${region} was not made by m1 for this cluster: rename or delete it`] };
  if (kp.publicKey !== undefined && material(kp.publicKey) !== material(publicKey)) {
    return { steps: [{ op: 'deleteKeyPair', region, name }, { op: 'importKeyPair', region, name, publicKey }], refusals: [] };
  }
  return { steps: [], refusals: [] };
}
