/**
 * What `npm pack` ships (package.json `files`): the build with its type
 * declarations, the binary, what the code reads at run time (role
 * templates, the Docker host image scripts), and nothing of the tests or
 * the TypeScript sources. The tarball installed and used from outside the
 * repository: test/e2e/barman/default.test.ts.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/packageRoot.js';
import { ensureBuilt } from '../support/dist.js';

let packed: string[];
let pkg: { bin: Record<string, string>; exports: Record<string, string | Record<string, string>>; types: string };

beforeAll(async () => {
  await ensureBuilt();
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageRoot, maxBuffer: 64 * 1024 * 1024 });
  packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as typeof pkg;
}, 600_000);

/** Files of the repository under `dir` (relative to its root) that satisfy `keep`. */
const repoFiles = (dir: string, keep: (path: string) => boolean) =>
  readdirSync(join(packageRoot, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter(keep);

describe('npm pack', () => {
  it('ships the library entry point with its declarations, and the binary', () => {
    expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' });
    const targets = [pkg.types, pkg.bin['m1']!, ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))];
    for (const t of targets) expect(packed, t).toContain(t.replace(/^\.\//, ''));
    expect(packed).toContain('dist/cli/main.js');
  });

  it('ships every role template and the Docker host image scripts, which are read at run time', () => {
    const templates = ['src', 'roles', 'playbooks'].flatMap((d) => repoFiles(d, (f) => f.endsWith('.hbs')));
    expect(templates.length).toBeGreaterThan(10);
    for (const t of templates) expect(packed, t).toContain(t);
    for (const f of ['docker/build-image.sh', 'docker/build-test-image.sh', 'docker/setup-engine.sh', 'docker/image/Dockerfile']) expect(packed).toContain(f);
  });

  it('ships a declaration beside every compiled module (the CLI bundle, dist/cli/, is no library module)', () => {
    const js = packed.filter((p) => p.endsWith('.js') && p.startsWith('dist/') && !p.startsWith('dist/cli/'));
    expect(js.length).toBeGreaterThan(100);
    for (const f of js) expect(packed, f).toContain(f.replace(/\.js$/, '.d.ts'));
  });

  it('ships no tests, TypeScript sources, source maps or cluster directories', () => {
    const unwanted = packed.filter((p) => /^(test|src|roles|playbooks|clusters|inventories|scripts)\/.*\.(ts|js|yml|json)$|^dist\/test\/|\.test\.|\.map$|^tsconfig|^vitest/.test(p));
    expect(unwanted).toEqual([]);
  });
});
