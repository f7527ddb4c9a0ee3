#!/usr/bin/env node
// Entry point: the CLI bundled in dist/cli/ (built by `npm ci` through `prepare`: tsc, then scripts/bundle-cli.mjs).
import { main } from '../dist/cli/main.js';
// A reader that stops early (m1 status | head) is no error of m1's.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
main(process.argv, 0).then((code) => { process.exitCode = code; });
