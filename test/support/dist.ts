/**
 * The build the package ships (dist/), made current before a test runs the
 * shipped `bin/m1.js` or packs the package: rebuilt from scratch when a
 * source is newer than its output, an output is missing, or dist/ holds an
 * output whose source is gone (a moved folder would otherwise be shipped
 * twice). Concurrent callers (the unit and hosts projects) build once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/packageRoot.js';

/** The folders tsconfig.json compiles (its `include`), test files left out. */
const SOURCE_FOLDERS = ['src', 'roles', 'playbooks'];
const DIST = join(packageRoot, 'dist');
const LOCK = join(packageRoot, '.dist-build.lock');

function files(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => keep(f) && statSync(f).isFile());
}

/** Why dist/ is not the build of the sources, or undefined when it is. */
export function staleReason(): string | undefined {
  const sources = SOURCE_FOLDERS.flatMap((d) => files(join(packageRoot, d), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')));
  const expected = new Set<string>();
  for (const src of sources) {
    const out = join(DIST, relative(packageRoot, src)).replace(/\.ts$/, '.js');
    expected.add(out);
    if (!existsSync(out)) return `${relative(packageRoot, out)} missing`;
    if (statSync(out).mtimeMs < statSync(src).mtimeMs) return `${relative(packageRoot, src)} is newer than its build`;
  }
  const orphan = SOURCE_FOLDERS.flatMap((d) => files(join(DIST, d), (f) => f.endsWith('.js'))).find((f) => !expected.has(f));
  if (orphan) return `${relative(packageRoot, orphan)} has no source`;
  // The CLI bundle (scripts/bundle-cli.mjs) is made from tsc's output.
  const bundle = join(DIST, 'cli', 'main.js');
  if (!existsSync(bundle)) return 'dist/cli/main.js missing';
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  return statSync(bundle).mtimeMs < newest ? 'dist/cli/ is older than a source' : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rebuilds dist/ when stale; resolves once it is current. */
export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (staleReason() === undefined) return;
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test process is building; a lock older than any build is a leftover of a killed one.
      if (Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 5 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(500);
      continue;
    }
    try {
      if (staleReason() === undefined) return;
      rmSync(DIST, { recursive: true, force: true });
      const tsc = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      await promisify(execFile)(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.json')], { cwd: packageRoot, maxBuffer: 16 * 1024 * 1024 }).catch(
        (e: { stdout?: string }) => {
          throw new Error(`building dist/ failed:\n${e.stdout ?? String(e)}`);
        },
      );
      await promisify(execFile)(process.execPath, [join(packageRoot, 'scripts', 'bundle-cli.mjs')], { cwd: packageRoot }).catch((e: { stderr?: string }) => {
        throw new Error(`bundling the CLI failed:\n${e.stderr ?? String(e)}`);
      });
      return;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
