/**
 * Some tests run project code in child processes of their own (real
 * concurrency, real crashes). Those run plain node, which cannot load
 * TypeScript: this compiles the listed source files (each with every project
 * file it imports, listed too) to JavaScript in `outDir`, keeping their paths.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../../src/packageRoot.js';

export function transpileForChildren(outDir: string, sources: readonly string[]): void {
  for (const file of sources) {
    const out = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    const js = ts.transpileModule(readFileSync(join(packageRoot, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(out, js);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
}
