/**
 * The m1 package as an outside project gets it: the tarball `npm pack`
 * makes (from a current build), installed with npm into a scratch folder
 * outside the repository, with @types/node beside it as any TypeScript
 * project has. The folder's scripts import `m1`, are type-checked against the
 * installed declarations (no skipLibCheck: the declarations are checked too)
 * and run with node.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/packageRoot.js';
import { ensureBuilt } from './dist.js';

export interface Run {
  code: number;
  out: string;
  err: string;
}

function run(file: string, args: readonly string[], cwd: string, timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, out, errText) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out, err: errText }),
    );
  });
}

const TSC = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
  },
};

export interface OutsideProject {
  /** The scratch folder (outside the repository). */
  dir: string;
  /** The tarball installed. */
  tarball: string;
  /** Writes `<name>.ts` and type-checks it alone (`tsc --noEmit`). */
  typecheck(name: string, source: string): Promise<Run>;
  /** Compiles `<name>.ts` (written by typecheck) and runs it with node. */
  run(name: string, args: readonly string[]): Promise<Run>;
  remove(): Promise<void>;
}

export async function installPackedM1(): Promise<OutsideProject> {
  await ensureBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'm1-outside-'));
  // The build is current: packing runs no scripts (prepare would rebuild dist/ under other tests' feet).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], packageRoot);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.err}`);
  const tarball = join(dir, (JSON.parse(packed.out) as { filename: string }[])[0]!.filename);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'm1-outside', private: true, type: 'module' }, null, 2));
  const typesNode = (JSON.parse(await readFile(join(packageRoot, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
  // From npm's cache when it holds them (npm ci filled it), else from the registry.
  const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], dir);
  if (installed.code !== 0) throw new Error(`npm install of ${tarball} failed: ${installed.err}`);
  const tsconfig = (name: string) => join(dir, `tsconfig.${name}.json`);
  return {
    dir,
    tarball,
    async typecheck(name, source) {
      await writeFile(join(dir, `${name}.ts`), source);
      await writeFile(tsconfig(name), JSON.stringify({ ...TSCONFIG, files: [`${name}.ts`] }, null, 2));
      return run(process.execPath, [TSC, '-p', tsconfig(name), '--noEmit'], dir);
    },
    async run(name, args) {
      const built = await run(process.execPath, [TSC, '-p', tsconfig(name)], dir);
      if (built.code !== 0) return built;
      return run(process.execPath, [join(dir, 'out', `${name}.js`), ...args], dir);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
