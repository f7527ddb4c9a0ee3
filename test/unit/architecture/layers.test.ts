/**
 * The folders are the layers, and imports point down them:
 *
 *   6 cli          src/cli, src/index.ts
 *   5 playbooks    playbooks/<flow>
 *   4 roles        roles/<name>, roles/context.ts, roles/failoverManager.ts, roles/managers.ts
 *   3 products     src/products/<product>, src/live
 *   2 engine       src/engine, src/ssh, src/secrets, src/templates, src/platforms
 *   1 model        src/config, src/inventory, src/architectures, src/errors.ts, src/exitCodes.ts, src/packageRoot.ts
 *
 * A file may import its own layer or any below it; folders of one layer may
 * not import each other in a cycle; a role never imports another role's
 * folder (what two roles share is product knowledge; files directly in roles/,
 * such as context.ts, are what every role is given). Tests may import
 * anything, but what they import must exist. One exception: a failover
 * manager's implementation (roles/<name>/manager.ts) composes its deploy
 * stages from the roles they run (the postgres role, etcd's for Patroni).
 */
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { cycles, importsOf, isTest, LAYER_NAMES, placeOf, relativeSpecifiers, sourceFiles, type Import } from './importGraph.js';

/**
 * Imports that break a rule today, each with why it cannot go yet. An entry
 * that no longer matches an import fails the test, so the list only shrinks.
 */
const ALLOWED: readonly { from: string; to: string; why: string }[] = [];

/** A failover manager's implementation: its deploy stages run the postgres role (and Patroni's, etcd's) beside its own. */
const composesRoles = (file: string) => /^roles\/[^/]+\/manager\.ts$/.test(file);

const root = packageRoot;
const files = sourceFiles(root);
const imports: Import[] = files.flatMap((f) => importsOf(root, f));
const code = imports.filter((i) => !isTest(i.from) && i.to !== null);
const allowed = (i: Import) => ALLOWED.some((a) => a.from === i.from && a.to === i.to);

/** `roles/<name>`: one role. Files directly in roles/ (context.ts) are what every role is given. */
function isRoleFolder(folder: string | undefined): boolean {
  return folder !== undefined && /^roles\/[^/]+$/.test(folder) && !folder.endsWith('.ts');
}

function layerName(layer: number): string {
  return `${layer} ${LAYER_NAMES[layer]}`;
}

describe('the layers', () => {
  it('place every source file in a layer', () => {
    const unplaced = files.filter((f) => !isTest(f) && placeOf(f) === null);
    expect(unplaced, 'files outside the layer table (add their folder to test/unit/architecture/importGraph.ts)').toEqual([]);
  });

  it('resolve every relative import, tests included', () => {
    const missing = imports.filter((i) => i.to === null).map((i) => `${i.from}: '${i.specifier}' names no file`);
    expect(missing).toEqual([]);
  });

  it('import only the same layer or a lower one', () => {
    const upward = code
      .filter((i) => !allowed(i))
      .flatMap((i) => {
        if (isTest(i.to!)) return [`${i.from} imports test code ${i.to}`];
        const from = placeOf(i.from);
        const to = placeOf(i.to!);
        if (from === null || to === null || to.layer <= from.layer) return [];
        return [`${i.from} (${layerName(from.layer)}) imports '${i.specifier}' = ${i.to} (${layerName(to.layer)})`];
      });
    expect(upward).toEqual([]);
  });

  it('never import another role', () => {
    const across = code
      .filter((i) => !allowed(i))
      .filter((i) => {
        const from = placeOf(i.from)?.folder;
        const to = placeOf(i.to!)?.folder;
        return from !== to && isRoleFolder(from) && isRoleFolder(to) && !composesRoles(i.from);
      })
      .map((i) => `${i.from} imports '${i.specifier}' = ${i.to}`);
    expect(across).toEqual([]);
  });

  it('have no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of code.filter((i) => !allowed(i))) {
      const from = placeOf(i.from)?.folder;
      const to = placeOf(i.to!)?.folder;
      if (from === undefined || to === undefined || from === to) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
    const found = cycles(edges).map((component) => {
      const inside = new Set(component);
      const why = code
        .filter((i) => inside.has(placeOf(i.from)?.folder ?? '') && inside.has(placeOf(i.to!)?.folder ?? '') && placeOf(i.from)!.folder !== placeOf(i.to!)!.folder)
        .map((i) => `    ${i.from} -> ${i.to}`);
      return [`cycle between ${component.join(', ')}:`, ...why].join('\n');
    });
    expect(found).toEqual([]);
  });

  it('keep the allow-list to imports that still exist', () => {
    const stale = ALLOWED.filter((a) => !code.some((i) => i.from === a.from && i.to === a.to));
    expect(stale).toEqual([]);
  });
});

describe('the import graph the rules read', () => {
  it('sees static, re-export, type-only and dynamic imports, and no package imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "import { readFile } from 'node:fs/promises';",
      "import YAML from 'yaml';",
    ].join('\n');
    expect(relativeSpecifiers(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js']);
  });

  it('places files by folder: products per product, roles per role, playbooks per flow', () => {
    expect(placeOf('src/config/load.ts')).toEqual({ layer: 1, folder: 'src/config' });
    expect(placeOf('src/errors.ts')).toEqual({ layer: 1, folder: 'src/errors.ts' });
    expect(placeOf('src/engine/run/lock.ts')).toEqual({ layer: 2, folder: 'src/engine' });
    expect(placeOf('src/products/repmgr/sql.ts')).toEqual({ layer: 3, folder: 'src/products/repmgr' });
    expect(placeOf('src/live/catalog.ts')).toEqual({ layer: 3, folder: 'src/live' });
    expect(placeOf('roles/postgres/role.ts')).toEqual({ layer: 4, folder: 'roles/postgres' });
    expect(placeOf('roles/context.ts')).toEqual({ layer: 4, folder: 'roles/context.ts' });
    expect(placeOf('playbooks/operate/switchover/run.ts')).toEqual({ layer: 5, folder: 'playbooks/operate' });
    expect(placeOf('src/cli/main.ts')).toEqual({ layer: 6, folder: 'src/cli' });
    expect(placeOf('src/somewhere/new.ts')).toBeNull();
  });

  it('finds a cycle through any number of folders, and none in a chain', () => {
    const graph = (pairs: [string, string][]) => {
      const m = new Map<string, Set<string>>();
      for (const [a, b] of pairs) m.set(a, (m.get(a) ?? new Set()).add(b));
      return m;
    };
    expect(cycles(graph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(graph([['a', 'b'], ['b', 'c'], ['a', 'c']]))).toEqual([]);
  });
});
