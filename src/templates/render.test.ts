import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from './render.js';

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
