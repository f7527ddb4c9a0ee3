/**
 * Shared by the configure/config/topology tests: run the CLI in-process with
 * captured output, temporary directories, and a name-independent view of a
 * config document (instances named by node number, addresses as offsets).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { parse } from 'yaml';
import { runM1 } from '../../support/cli.js';
import type { ConfigDocument } from '../../../src/config/document.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `m1 <args>` in-process; resolves to the exit status and what was printed. */
export async function runCli(args: string[]): Promise<CliResult> {
  const r = await runM1(args);
  return { code: r.code, stdout: r.out, stderr: r.err };
}

const made: string[] = [];

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'm1-configure-test-'));
  made.push(d);
  return d;
}

afterEach(async () => {
  while (made.length > 0) await rm(made.pop()!, { recursive: true, force: true });
});

export async function readDoc(file: string): Promise<ConfigDocument> {
  return parse(await readFile(file, 'utf8'), { version: '1.1' }) as ConfigDocument;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

/**
 * The document with every instance name replaced by `n<node>` (in names,
 * upstream, backup and vars) and docker addresses replaced by their offset
 * in the subnet: what must match between TPA's output and m1's.
 */
export function normalise(doc: ConfigDocument): ConfigDocument {
  const names = new Map(doc.instances.map((i) => [i.Name, `n${i.node}`]));
  const subnet = doc.docker_networks?.[0]?.ipam_config[0]?.subnet;
  const base = subnet ? ipNumber(subnet.split('/')[0]!) : 0;
  const rename = (v: unknown): unknown => {
    if (typeof v === 'string') return names.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rename);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    }
    return v;
  };
  return {
    ...doc,
    instances: doc.instances.map((i) => {
      const out = rename(i) as ConfigDocument['instances'][number];
      if (subnet && i.ip_address) out.ip_address = `+${ipNumber(i.ip_address) - base}`;
      return out;
    }),
  };
}

/** One line per instance: node, location, roles, upstream and backup by node: the layout at a glance. */
export function layoutOf(doc: ConfigDocument): string[] {
  const node = new Map(doc.instances.map((i) => [i.Name, i.node]));
  return doc.instances.map((i) => {
    let s = `${i.node} ${i.location} ${i.role.join('+')}`;
    if (i.upstream !== undefined) s += ` <-${node.get(i.upstream)}`;
    if (i.backup !== undefined) s += ` backup:${node.get(i.backup)}`;
    return s;
  });
}
