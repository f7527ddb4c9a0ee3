import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { TEMPLATE_OPTIONS, renderTemplate, sourceDigest, templateFor } from './render.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-render-'));
  await writeFile(join(dir, 'a.hbs'), "host={{host}} q='{{value}}'\n{{#each items}}- {{this}}\n{{/each}}");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renderTemplate', () => {
  it('renders without HTML escaping', () => {
    expect(renderTemplate(join(dir, 'a.hbs'), { host: 'a&b', value: "<'x'>", items: ['1', '2'] })).toBe(
      "host=a&b q='<'x'>'\n- 1\n- 2\n",
    );
  });

  it('fails on a variable the caller did not pass, naming the template', () => {
    expect(() => renderTemplate(join(dir, 'a.hbs'), { host: 'h', items: [] })).toThrow(/a\.hbs: "value" not defined/);
  });

  it('resolves paths relative to the package root', () => {
    expect(() => renderTemplate('roles/does-not-exist.hbs', {})).toThrow(/ENOENT/);
  });
});

describe('precompiled templates (the build compiles the roles\' templates)', () => {
  const source = "host={{host}} q='{{value}}'";
  /** What the build writes for a template: its specification as JavaScript, evaluated as require() would. */
  const specOf = (text: string): unknown => new Function(`return ${Handlebars.precompile(text, TEMPLATE_OPTIONS)}`)();

  it('are used when made from exactly this source', () => {
    // A specification made from other text, recorded under this source's digest: its output shows it was used.
    const t = templateFor(source, { sha256: sourceDigest(source), spec: specOf('precompiled {{host}}') });
    expect(t({ host: 'h', value: 'v' })).toBe('precompiled h');
  });

  it('are ignored when the template changed since the build: the source is compiled', () => {
    const t = templateFor(source, { sha256: sourceDigest('older text'), spec: specOf('precompiled {{host}}') });
    expect(t({ host: 'h', value: 'v' })).toBe("host=h q='v'");
  });

  it('keep strict mode and no escaping', () => {
    const t = templateFor(source, { sha256: sourceDigest(source), spec: specOf(source) });
    expect(t({ host: 'a&b', value: '<x>' })).toBe("host=a&b q='<x>'");
    expect(() => t({ host: 'h' })).toThrow(/"value" not defined/);
  });
});
