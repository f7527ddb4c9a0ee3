/** Creates a directory (and its parents) and sets its owner and mode. */
import { quote } from '../shell/quote.js';
import { assertManagedPath } from './paths.js';
import { assertMode, ownerSpec } from './writeFile.js';

export interface DirectorySpec {
  path: string;
  owner?: string;
  group?: string;
  mode?: string;
}

/** Only the steps asked for: `create` when missing, then owner and mode when they differ. */
export function buildEnsureDirectory(spec: DirectorySpec, steps: { create: boolean; owner: boolean; mode: boolean }): string {
  assertManagedPath(spec.path);
  const p = quote(spec.path);
  const out: string[] = [];
  if (steps.create) out.push(`mkdir -p -- ${p}`);
  const own = ownerSpec(spec.owner, spec.group);
  if (steps.owner && own) out.push(`chown -- ${quote(own)} ${p}`);
  if (steps.mode && spec.mode) {
    assertMode(spec.mode);
    out.push(`chmod -- ${spec.mode} ${p}`);
  }
  return out.join(' && ');
}
