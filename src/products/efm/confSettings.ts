/**
 * cluster_vars.efm_conf_settings: properties the user sets by name, each
 * overriding the property m1 would write (the documented way to set a VIP).
 *
 * EFM before 5.1 ignores a property it does not know, so a misspelt key would
 * do nothing, silently; 5.1 and later refuse to start. Either way the user
 * should hear about it at deploy time, with the name they probably meant.
 */
import { join } from 'node:path';
import { hostVarLayer } from '../../config/vars.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { closestProperty, isPropertyOf, knownProperty } from './knownProperties.js';
import { type EfmVersion, parseVersionText, versionAtLeast } from './version.js';

/** Properties m1 computes per node: one value for all nodes is rarely meant. */
const PER_NODE = ['bind.address', 'is.witness', 'application.name'];

/** Where a property went when EFM renamed it. */
const RENAMED: Record<string, string> = {
  'auto.resume.period': 'auto.resume.startup.period and auto.resume.failure.period',
};

export interface EfmConfSettings {
  /** Keys in the user's order, values as EFM will read them. */
  entries: Map<string, string>;
  /** One line each: where, what, the likely fix. */
  warnings: string[];
}

/**
 * The efm_conf_settings that apply to `instance`: cluster_vars', with the
 * instance's own keys overriding them one by one (as for other settings
 * maps). Names and values are held by the variable's spec to what a
 * property line can hold (values as EFM will read them); returns warnings
 * for keys EFM `version` does not know.
 */
export function efmConfSettings(cluster: Cluster, instance: Instance | undefined, version: EfmVersion): EfmConfSettings {
  const entries = new Map<string, string>();
  const warnings: string[] = [];
  const file = join(cluster.dir, 'config.yml');
  const startupNote = versionAtLeast(version, parseVersionText('5.1'))
    ? `EFM ${version.text} refuses to start with a property it does not know`
    : `EFM ${version.text} ignores it silently`;

  const layers: [Record<string, string> | undefined, string][] = [
    [hostVarLayer(cluster, 'cluster_vars', 'efm_conf_settings'), 'cluster_vars.efm_conf_settings'],
  ];
  if (instance) layers.push([hostVarLayer(cluster, instance, 'efm_conf_settings'), `instances[${instance.name}].vars.efm_conf_settings`]);
  for (const [settings, path] of layers) {
    for (const [key, text] of Object.entries(settings ?? {})) {
      entries.set(key, text);
      const warning = keyWarning(key, version, startupNote);
      if (warning) warnings.push(`${file} ${path}['${key}']: ${warning}`);
    }
  }
  return { entries, warnings };
}

function keyWarning(key: string, version: EfmVersion, startupNote: string): string | undefined {
  const known = knownProperty(key);
  if (!known) {
    const guess = closestProperty(key, version);
    const hint = guess ? `; did you mean '${guess}'?` : '';
    return `not an EFM property${hint} (written as given; ${startupNote})`;
  }
  if (!isPropertyOf(key, version)) {
    const which = versionAtLeast(version, parseVersionText(known.since))
      ? `EFM ${known.until} replaced it${RENAMED[key] ? ` with ${RENAMED[key]}` : ''}`
      : `it appeared in EFM ${known.since}`;
    return `not a property of EFM ${version.text}, ${which} (written as given; ${startupNote})`;
  }
  if (PER_NODE.includes(key)) return 'sets the same value on every EFM node, while m1 computes it per node';
  return undefined;
}
