// The CLI as bin/m1.js loads it: dist/src/cli/main.js (tsc's output) and the
// modules it imports bundled into dist/cli/, one chunk per lazily imported
// command. Node resolves and loads ~250 small ES modules in about 190 ms, the
// bundle in about 115: the difference is start-up every command pays. npm
// packages and node: builtins stay imports (loaded only by what uses them).
// The library entry (dist/src/index.js) is not bundled.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
await rm(out, { recursive: true, force: true });
await build({
  input: { main: join(root, 'dist', 'src', 'cli', 'main.js') },
  platform: 'node',
  // Bare specifiers (packages, node: builtins) are left to Node.
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  logLevel: 'warn',
  output: { dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});

// Every role's templates compiled now, not by each deploy (src/templates/render.ts).
const { PRECOMPILED_PATH, TEMPLATE_OPTIONS, sourceDigest } = await import(join(root, 'dist', 'src', 'templates', 'render.js'));
const { default: Handlebars } = await import('handlebars');
const entries = [];
for (const role of (await readdir(join(root, 'roles'), { withFileTypes: true })).filter((d) => d.isDirectory())) {
  const dir = join(root, 'roles', role.name, 'templates');
  const names = await readdir(dir).catch(() => []);
  for (const name of names.filter((n) => n.endsWith('.hbs')).sort()) {
    const source = await readFile(join(dir, name), 'utf8');
    const spec = Handlebars.precompile(source, TEMPLATE_OPTIONS);
    entries.push(`  ${JSON.stringify(`roles/${role.name}/templates/${name}`)}: { sha256: ${JSON.stringify(sourceDigest(source))}, spec: ${spec} },`);
  }
}
await mkdir(dirname(join(root, PRECOMPILED_PATH)), { recursive: true });
await writeFile(join(root, PRECOMPILED_PATH), `// Written by scripts/bundle-cli.mjs: the roles' templates, precompiled.\nmodule.exports = {\n${entries.join('\n')}\n};\n`);
