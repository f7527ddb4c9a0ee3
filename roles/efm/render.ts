/**
 * Renders this role's Handlebars templates (templates/*.hbs), compiled in
 * strict mode (a missing variable is an error, never an empty string) and
 * without HTML escaping (these are config files and shell scripts).
 *
 * Local until src/templates/render.ts (renderTemplate) lands; then this
 * becomes a one-line call to it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../../src/packageRoot.js';

const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function renderEfmTemplate(name: string, vars: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(join(packageRoot, 'roles', 'efm', 'templates', name), 'utf8');
    template = Handlebars.compile(source, { strict: true, noEscape: true });
    compiled.set(name, template);
  }
  return template(vars);
}

/** A word for a POSIX shell: single-quoted, so nothing in it expands. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
