// `node --import <this file>`: appends to $M1_MODULE_TRACE every module the
// process loads, ESM (resolved URLs, through hooks.mjs) and CommonJS (the
// require cache, at exit), one per line.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.M1_MODULE_TRACE;
if (!file) throw new Error('moduleTrace: set M1_MODULE_TRACE to the file to write');
register(new URL('./hooks.mjs', import.meta.url), { data: { file } });
process.on('exit', () => {
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  if (cjs.length > 0) appendFileSync(file, cjs.map((p) => `${p}\n`).join(''));
});
