/**
 * The project's import graph, read from the source the way the compiler
 * resolves it: every relative specifier of `import … from`, `export … from`,
 * `import type` and dynamic `import('…')`, mapped to the file it names
 * (`x.js` in a specifier is `x.ts` in the tree). Package imports (`node:fs`,
 * `yaml`) are not edges: only the project's own folders have a direction.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import ts from 'typescript';

/** Top-level folders that hold the project's TypeScript. */
export const SOURCE_ROOTS = ['src', 'roles', 'playbooks', 'test'] as const;

export interface Import {
  /** Importing file, relative to the root, with forward slashes. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The file it resolves to, or null when no such file exists. */
  to: string | null;
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) walk(root, path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(posix(path));
  }
}

/** Every .ts file under the source roots, relative to `root`. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of SOURCE_ROOTS) walk(root, dir, out);
  return out.sort();
}

function resolve(root: string, from: string, specifier: string): string | null {
  const base = posix(normalize(join(dirname(from), specifier)));
  for (const candidate of [base, base.replace(/\.js$/, '.ts')]) {
    try {
      if (statSync(join(root, candidate)).isFile()) return candidate;
    } catch {
      // not this candidate
    }
  }
  return null;
}

/** The relative specifiers a source text imports: static, re-export, type-only and dynamic. */
export function relativeSpecifiers(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'));
}

/** The relative imports of one file, each resolved to the file it names. */
export function importsOf(root: string, file: string): Import[] {
  return relativeSpecifiers(readFileSync(join(root, file), 'utf8')).map((specifier) => ({ from: file, specifier, to: resolve(root, file, specifier) }));
}

/** Tests, their helpers and fixtures: they may import anything that exists. */
export function isTest(file: string): boolean {
  return file.startsWith('test/') || file.endsWith('.test.ts');
}

export interface Place {
  /** 1 model, 2 engine, 3 product knowledge, 4 roles, 5 playbooks, 6 cli and library API. */
  layer: number;
  /** The folder the cycle and role rules speak of: `src/<x>`, `src/products/<p>`, `roles/<name>`, `playbooks/<x>`. */
  folder: string;
}

export const LAYER_NAMES: Record<number, string> = {
  1: 'model',
  2: 'engine',
  3: 'product knowledge',
  4: 'roles',
  5: 'playbooks',
  6: 'cli',
};

const SRC_LAYERS: Record<string, number> = {
  'errors.ts': 1,
  'exitCodes.ts': 1,
  'packageRoot.ts': 1,
  config: 1,
  inventory: 1,
  architectures: 1,
  engine: 2,
  ssh: 2,
  secrets: 2,
  templates: 2,
  platforms: 2,
  products: 3,
  live: 3,
  cli: 6,
  'index.ts': 6,
};

/** Where a (non-test) source file sits in the layers, or null when the layer table has no place for it. */
export function placeOf(file: string): Place | null {
  const parts = file.split('/');
  if (parts[0] === 'src') {
    const top = parts[1]!;
    const layer = SRC_LAYERS[top];
    if (layer === undefined) return null;
    if (top === 'products') return parts.length > 3 ? { layer, folder: `src/products/${parts[2]}` } : null;
    return { layer, folder: `src/${top}` };
  }
  if (parts[0] === 'roles') return { layer: 4, folder: parts.length > 2 ? `roles/${parts[1]}` : file };
  if (parts[0] === 'playbooks') return { layer: 5, folder: parts.length > 2 ? `playbooks/${parts[1]}` : file };
  return null;
}

/** Strongly connected components of a directed graph with more than one node: the import cycles. */
export function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}
