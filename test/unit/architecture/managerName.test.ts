/**
 * No code branches on the failover manager's name outside configure's own
 * rules (src/architectures, src/config) and the three implementations of the
 * FailoverManager interface (roles/repmgr, roles/patroni, roles/efm): the
 * rest asks the interface (roles/failoverManager.ts). Read from the syntax
 * trees, so a comment or a message that names a manager is no offence.
 *
 * An offence: `===`, `!==`, `==` or `!=` with 'repmgr', 'patroni' or 'efm'
 * on either side; `case 'repmgr':` (and the others); any such comparison
 * whose operand is a `.failoverManager` property.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';

const ROOTS = ['src', 'roles', 'playbooks'];
const MAY_BRANCH = ['src/architectures/', 'src/config/', 'roles/repmgr/', 'roles/patroni/', 'roles/efm/'];
const NAMES = new Set(['repmgr', 'patroni', 'efm']);
const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(packageRoot, dir))) {
    const path = join(dir, name);
    if (statSync(join(packageRoot, path)).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') sourceFiles(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(path.split(sep).join('/'));
  }
  return out;
}

const isName = (e: ts.Expression): boolean => ts.isStringLiteralLike(e) && NAMES.has(e.text);
const isManagerProperty = (e: ts.Expression): boolean =>
  (ts.isPropertyAccessExpression(e) && e.name.text === 'failoverManager') ||
  (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) && e.argumentExpression.text === 'failoverManager');

/** Each offence in one file's text, as `file:line: code`. */
export function offences(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push(`${file}:${line}: ${node.getText(source)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
      const sides = [node.left, node.right];
      if (sides.some(isName) || sides.some(isManagerProperty)) report(node);
    } else if (ts.isCaseClause(node) && isName(node.expression)) {
      report(node.expression);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the failover manager's name", () => {
  it('is compared only by configure and the three implementations', () => {
    const files = ROOTS.flatMap((r) => sourceFiles(r)).filter((f) => !MAY_BRANCH.some((p) => f.startsWith(p)));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => offences(f, readFileSync(join(packageRoot, f), 'utf8')));
    expect(found, 'ask the FailoverManager interface (roles/failoverManager.ts), or give the difference a member there').toEqual([]);
  });

  it('is found in every form the rule names, and nowhere else', () => {
    const text = [
      "if (cluster.failoverManager === 'patroni') a();",
      "if ('repmgr' !== fm) b();",
      "const x = fm == 'efm' ? 1 : 2;",
      'if (c.failoverManager !== other) d();',
      "if (c['failoverManager'] === m) e();",
      "switch (fm) { case 'efm': break; case 'barman': break; }",
      "const ok = user === 'barman';",
      "log('repmgr sees it');",
      "const table = { repmgr: 1, patroni: 2, efm: 3 }[c.failoverManager];",
      '// if (fm === "patroni") in a comment',
    ].join('\n');
    expect(offences('x.ts', text)).toEqual([
      "x.ts:1: cluster.failoverManager === 'patroni'",
      "x.ts:2: 'repmgr' !== fm",
      "x.ts:3: fm == 'efm'",
      'x.ts:4: c.failoverManager !== other',
      "x.ts:5: c['failoverManager'] === m",
      "x.ts:6: 'efm'",
    ]);
  });
});
