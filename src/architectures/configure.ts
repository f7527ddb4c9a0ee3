/**
 * `m1 configure` as a library call: options -> <dir>/config.yml. Everything
 * is checked before anything is written: on any error neither the directory
 * nor the file is created.
 */
import { access } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatProblem, M1Error, UsageError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { Cluster } from '../inventory/cluster.js';
import { readConfigText } from '../config/configText.js';
import { CONFIG_FILE, type ConfigDocument } from '../config/document.js';
import { parseConfig } from '../config/load.js';
import { renderConfig, writeConfig } from '../config/write.js';
import { parseHostnamesFile } from './hostnames.js';
import { configureM1, type M1Options } from './m1.js';
import { parseConfigureOptions, type RawConfigureOptions } from './options.js';

export interface ConfigureResult {
  /** Path of the config.yml written. */
  file: string;
  document: ConfigDocument;
  /** The written config, loaded back (the same model every later command reads). */
  cluster: Cluster;
  /** Options that had no effect, and loader warnings. */
  warnings: string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Options plus the cluster name and the hostnames file, read from disk. */
export async function resolveM1Options(dir: string, raw: RawConfigureOptions): Promise<{ options: M1Options; warnings: string[] }> {
  const { options, warnings } = parseConfigureOptions(raw);
  const m1: M1Options = { ...options, clusterName: basename(resolve(dir)) };
  if (raw.hostnamesFrom !== undefined) {
    const read = await readConfigText(raw.hostnamesFrom, 'cannot read it (ENOENT)');
    if ('problem' in read) throw new UsageError(`--hostnames-from ${formatProblem(read.problem)}`);
    const text = read.text;
    m1.hostnames = {
      label: raw.hostnamesFrom,
      entries: parseHostnamesFile(text, raw.hostnamesFrom, (options.platform ?? 'aws') !== 'aws'),
    };
  }
  return { options: m1, warnings };
}

/** Writes a new cluster directory's config.yml; refuses (exit 2) if one exists. */
export async function configureClusterDir(dir: string, raw: RawConfigureOptions): Promise<ConfigureResult> {
  const file = join(dir, CONFIG_FILE);
  if (await exists(file)) {
    throw new M1Error(`${file} already exists; m1 configure never overwrites it (edit it and run \`m1 validate ${dir}\`, or choose a new directory)`, ExitCode.BadInput);
  }
  const { options, warnings } = await resolveM1Options(dir, raw);
  const document = configureM1(options);
  // Load the exact text about to be written: what configure writes always validates.
  const loaded = parseConfig(renderConfig(document), { file, dir });
  await writeConfig(dir, document);
  return { file, document, cluster: loaded.cluster, warnings: [...warnings, ...loaded.warnings] };
}
