/**
 * template: a file rendered from a Handlebars template (`.hbs`) in strict
 * mode (a missing variable is an error, never an empty string), then
 * converged like `file`. No HTML escaping: these are config files.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { packageRoot } from '../../packageRoot.js';
import { converge, validateAttributes, type Attributes } from './file.js';
import { base, OperationError, type CommonOptions, type Operation } from './types.js';

export interface TemplateOptions extends CommonOptions, Attributes {
  path: string;
  /** Absolute path of the .hbs file (see `roleFile`). */
  src: string;
  vars: Record<string, unknown>;
  sensitive?: boolean;
}

const hbs = Handlebars.create();
// Small helpers config templates need; anything else belongs in the role's typed vars.
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('join', (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ',') : ''));

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders a template file strictly; errors name the template, the variable and the line. */
export function renderTemplate(src: string, vars: Record<string, unknown>): string {
  if (!src.endsWith('.hbs')) throw new OperationError(`template ${src}: templates are .hbs files`);
  let fn = compiled.get(src);
  if (!fn) {
    let text: string;
    try {
      text = readFileSync(src, 'utf8');
    } catch (e) {
      throw new OperationError(`template ${src}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    fn = hbs.compile(text, { strict: true, noEscape: true });
    compiled.set(src, fn);
  }
  try {
    return fn(vars);
  } catch (e) {
    const msg = (e as Error).message;
    const missing = /^"?([^"]+)"? not defined in .* - (\d+):(\d+)/.exec(msg);
    if (missing) throw new OperationError(`template ${src}:${missing[2]}: variable "${missing[1]}" is not defined`);
    throw new OperationError(`template ${src}: ${msg.split('\n')[0]}`);
  }
}

/**
 * The absolute path of a file beside a role's source, e.g.
 * `roleFile(import.meta.url, 'templates/postgresql.conf.hbs')`. Works from
 * the compiled role in dist/ too (templates are not copied there).
 */
export function roleFile(importMetaUrl: string, relativePath: string): string {
  let dir = dirname(fileURLToPath(importMetaUrl));
  const distRoot = join(packageRoot, 'dist') + sep;
  if ((dir + sep).startsWith(distRoot)) dir = join(packageRoot, relative(join(packageRoot, 'dist'), dir));
  return join(dir, relativePath);
}

export function template(options: TemplateOptions): Operation {
  const { path, src, vars, sensitive = false } = options;
  validateAttributes(path, options);
  const attrs: Attributes = { owner: options.owner, group: options.group, mode: options.mode };
  return {
    ...base('template', `template ${path}`, options),
    needs: () => [{ kind: 'stat', path }],
    async apply(ctx) {
      const content = Buffer.from(renderTemplate(src, vars), 'utf8');
      return converge(ctx, path, content, attrs, sensitive);
    },
  };
}
