/**
 * The live facts deploy needs from a host before it changes anything, read
 * through src/live with ONE command per host: memory, the server package
 * (and, when it is missing, whether the host's package sources have it at
 * all), the conf.d files as they are (to plan reloads and restarts up
 * front), and m1's server (data directory, primary or not, the live
 * timeline, upstream).
 */
import type { PostgresVersion } from '../../src/inventory/cluster.js';
import { CONF_FILES } from '../../src/products/postgres/settings.js';
import { CONF_D } from '../../src/products/postgres/layout.js';
import { memory } from '../../src/live/facts/memory.js';
import { serverPackage } from '../../src/live/facts/serverPackage.js';
import { confFiles } from '../../src/live/facts/confFiles.js';
import { buildReadingCommand, parseReading } from '../../src/live/reading.js';
import { postgresPlace, serverFacts, type ServerState } from '../../src/live/server.js';

/** The conf.d files whose settings decide between nothing, reload and restart. */
export const PLANNED_CONF_FILES = [CONF_FILES.reload, CONF_FILES.restart, CONF_FILES.custom] as const;

export interface GatherOptions {
  version: PostgresVersion;
  /** Ask the package sources about postgresql-<V> when it is not installed (Postgres hosts only). */
  checkPackageSource: boolean;
}

export function deployReading(o: GatherOptions) {
  return {
    facts: {
      memory,
      serverPackage: serverPackage(`postgresql-${o.version}`, { candidate: o.checkPackageSource }),
      confFiles: confFiles(CONF_D, PLANNED_CONF_FILES),
      ...serverFacts,
    },
    postgres: postgresPlace(o.version),
  };
}

export function buildGatherCommand(o: GatherOptions): string {
  return buildReadingCommand(deployReading(o));
}

/** What deploy knows of a host before the run. */
export interface GatheredHost extends ServerState {
  /** MemTotal in MiB; 0 when unknown. */
  memoryMb: number;
  /** Installed version of postgresql-<V>, when installed. */
  serverPackage?: string;
  /** apt's candidate for postgresql-<V> when not installed: '' or '(none)' means the sources lack it. */
  candidate?: string;
  /** The conf.d files as they are, by file name (absent files are missing). */
  confFiles: Record<string, string>;
}

export function parseGather(o: GatherOptions, stdout: string): GatheredHost {
  const f = parseReading(deployReading(o), stdout).facts;
  const g: GatheredHost = { memoryMb: f.memory ?? 0, confFiles: f.confFiles };
  if (f.serverPackage.installed !== undefined) g.serverPackage = f.serverPackage.installed;
  if (f.serverPackage.candidate !== undefined) g.candidate = f.serverPackage.candidate;
  if (f.dataDirVersion !== undefined) g.dataDirVersion = f.dataDirVersion;
  if (f.node) g.node = f.node;
  if (f.receiver) g.receiver = f.receiver;
  return g;
}
