/**
 * Renders the Handlebars templates that sit beside each role. Strict mode: a
 * variable the template names but the caller did not pass is an error, never
 * an empty string. No HTML escaping: these are config files, not web pages.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../packageRoot.js';

type Compiled = (vars: object) => string;

const cache = new Map<string, Compiled>();

/** Its own Handlebars environment, so no helper registered elsewhere leaks in. */
const hbs = Handlebars.create();

/**
 * Render a template file. `path` is absolute or relative to the m1 package
 * root (e.g. `roles/postgres/templates/pg_hba.conf.hbs`), so it resolves the
 * same from the sources and from dist/.
 */
export function renderTemplate(path: string, vars: object): string {
  const file = isAbsolute(path) ? path : join(packageRoot, path);
  let template = cache.get(file);
  if (template === undefined) {
    const source = readFileSync(file, 'utf8');
    template = hbs.compile(source, { strict: true, noEscape: true });
    cache.set(file, template);
  }
  try {
    return template(vars);
  } catch (err) {
    throw new Error(`template ${path}: ${(err as Error).message}`);
  }
}
