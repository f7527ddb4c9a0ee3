/**
 * Renders the Handlebars templates that sit beside each role. Strict mode: a
 * variable the template names but the caller did not pass is an error, never
 * an empty string. No HTML escaping: these are config files, not web pages.
 *
 * The build (scripts/bundle-cli.mjs) compiles every role's templates into
 * dist/templates/precompiled.cjs: compiling them when a deploy runs cost it
 * about 100 ms of CPU. A precompiled template is used only while the sha256
 * of its source matches the file's (an edited template without a rebuild is
 * compiled as before); from the sources (tests) there is none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { sha256 } from '../engine/operations/file.js';
import { packageRoot } from '../packageRoot.js';

type Compiled = (vars: object) => string;

/** What the build precompiles with: the same options as compiling here. */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/** Where the build writes the precompiled templates, relative to the package root. */
export const PRECOMPILED_PATH = 'dist/templates/precompiled.cjs';

/** A precompiled template: Handlebars' template specification and the sha256 of the source it came from. */
export interface Precompiled {
  sha256: string;
  spec: unknown;
}

const cache = new Map<string, Compiled>();

/** Its own Handlebars environment, so no helper registered elsewhere leaks in. */
const hbs = Handlebars.create();

let precompiled: Readonly<Record<string, Precompiled>> | undefined;

function loadPrecompiled(): Readonly<Record<string, Precompiled>> {
  if (precompiled === undefined) {
    const file = join(packageRoot, PRECOMPILED_PATH);
    precompiled = existsSync(file) ? (createRequire(import.meta.url)(file) as Record<string, Precompiled>) : {};
  }
  return precompiled;
}

/** What a precompiled template records of its source. */
export function sourceDigest(source: string): string {
  return sha256(Buffer.from(source, 'utf8'));
}

/** The template for `source`: the precompiled one when it was made from exactly this source, else compiled now. */
export function templateFor(source: string, pre: Precompiled | undefined): Compiled {
  if (pre && pre.sha256 === sourceDigest(source)) return hbs.template(pre.spec as Parameters<typeof hbs.template>[0]) as Compiled;
  return hbs.compile(source, TEMPLATE_OPTIONS);
}

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
    template = templateFor(source, loadPrecompiled()[relative(packageRoot, file)]);
    cache.set(file, template);
  }
  try {
    return template(vars);
  } catch (err) {
    throw new Error(`template ${path}: ${(err as Error).message}`);
  }
}
