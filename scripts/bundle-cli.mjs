// The CLI as bin/m1.js loads it: dist/src/cli/main.js (tsc's output) and the
// modules it imports bundled into dist/cli/, one chunk per lazily imported
// command. Node resolves and loads ~250 small ES modules in about 190 ms, the
// bundle in about 115: the difference is start-up every command pays. npm
// packages and node: builtins stay imports (loaded only by what uses them).
// The library entry (dist/src/index.js) is not bundled.
import { rm } from 'node:fs/promises';
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
