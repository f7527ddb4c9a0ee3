import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './scratch.js';
import { directory } from '../../../src/engine/operations/directory.js';
import { file } from '../../../src/engine/operations/file.js';
import { lineInFile } from '../../../src/engine/operations/lineInFile.js';
import { template } from '../../../src/engine/operations/template.js';
import { runOps, statuses } from './helpers.js';

const tmp = scratch('m1-ops-');

describe('file operations against a real shell', () => {
  it('directory + file: changed first, ok second, with a diff', async () => {
    const d = join(tmp.dir, 'conf.d');
    const f = join(d, 'app.conf');
    const ops = () => [directory({ path: d, mode: '0750', owner: 'root', group: 'daemon' }), file({ path: f, content: 'a=1\nb=2\n', mode: '0640' })];
    const first = await runOps(tmp.sh, ops());
    expect(statuses(first)).toEqual(['changed', 'changed']);
    expect(first.results[1]!.diff).toContain('+a=1');
    expect((await stat(d)).mode & 0o7777).toBe(0o750);
    expect(await readFile(f, 'utf8')).toBe('a=1\nb=2\n');
    const second = await runOps(tmp.sh, ops());
    expect(statuses(second)).toEqual(['ok', 'ok']);
    expect(second.results.every((r) => r.commands.length === 0)).toBe(true);
  });

  it('file: reports the change as a unified diff, and only the mode when only the mode differs', async () => {
    const f = join(tmp.dir, 'x.conf');
    await writeFile(f, 'port = 5432\nmax = 10\n');
    const r = await runOps(tmp.sh, [file({ path: f, content: 'port = 5433\nmax = 10\n' })]);
    expect(r.results[0]!.diff).toBe(`--- ${f} (before)\n+++ ${f} (after)\n@@ -1,2 +1,2 @@\n-port = 5432\n+port = 5433\n max = 10\n`);
    const m = await runOps(tmp.sh, [file({ path: f, content: 'port = 5433\nmax = 10\n', mode: '0600' })]);
    expect(m.results[0]!.diff).toBe('mode 0644 -> 0600\n');
    expect((await stat(f)).mode & 0o7777).toBe(0o600);
  });

  it('check mode reports the diff and changes nothing', async () => {
    const f = join(tmp.dir, 'check.conf');
    await writeFile(f, 'old\n');
    const r = await runOps(tmp.sh, [file({ path: f, content: 'new\n' }), directory({ path: join(tmp.dir, 'nope') })], { check: true });
    expect(statuses(r)).toEqual(['changed', 'changed']);
    expect(r.results[0]!.diff).toContain('-old\n+new');
    expect(r.results[0]!.commands[0]!.exit).toBeNull();
    expect(await readFile(f, 'utf8')).toBe('old\n');
    await expect(stat(join(tmp.dir, 'nope'))).rejects.toThrow();
  });

  it('file with validate: the new content is checked on stdin before it is written; a refusal leaves the file as it was', async () => {
    const f = join(tmp.dir, 'rules');
    await writeFile(f, 'allow a\n');
    // The validator refuses any line that is not `allow <word>` (as visudo -cf - refuses bad sudoers lines).
    const validate = "if grep -qv '^allow [a-z]*$'; then echo 'line 2: syntax error' >&2; exit 1; fi";
    const bad = await runOps(tmp.sh, [file({ path: f, content: 'allow a\nALL ALL\n', validate })]);
    expect(bad.failures[0]).toBe(`h r › file ${f}: \`${validate}\` refused the new content (exit 1): line 2: syntax error; the file was left as it was`);
    expect(await readFile(f, 'utf8')).toBe('allow a\n');
    const good = await runOps(tmp.sh, [file({ path: f, content: 'allow a\nallow b\n', validate })]);
    expect(statuses(good)).toEqual(['changed']);
    expect(await readFile(f, 'utf8')).toBe('allow a\nallow b\n');
    // Unchanged content is not checked again.
    const again = await runOps(tmp.sh, [file({ path: f, content: 'allow a\nallow b\n', validate: 'exit 1' })]);
    expect(statuses(again)).toEqual(['ok']);
  });

  it('sensitive files show no content in the diff', async () => {
    const r = await runOps(tmp.sh, [file({ path: join(tmp.dir, 'secret'), content: 'pw=abc\n', sensitive: true, mode: '0600' })]);
    expect(r.results[0]!.diff).toContain('content hidden');
    expect(r.results[0]!.diff).not.toContain('abc');
  });

  it('file absent removes, then is ok', async () => {
    const f = join(tmp.dir, 'gone');
    await writeFile(f, 'x');
    expect(statuses(await runOps(tmp.sh, [file({ path: f, state: 'absent' })]))).toEqual(['changed']);
    expect(statuses(await runOps(tmp.sh, [file({ path: f, state: 'absent' })]))).toEqual(['ok']);
  });

  it('line in file: replaces a matching line, then converges; creates when asked', async () => {
    const f = join(tmp.dir, 'hba');
    await writeFile(f, '# comment\nlisten = localhost\n');
    const op = () => lineInFile({ path: f, line: "listen = '*'", regexp: /^#?listen\s*=/ });
    const r = await runOps(tmp.sh, [op()]);
    expect(r.results[0]!.diff).toContain("-listen = localhost\n+listen = '*'");
    expect(await readFile(f, 'utf8')).toBe("# comment\nlisten = '*'\n");
    expect(statuses(await runOps(tmp.sh, [op()]))).toEqual(['ok']);
    const missing = join(tmp.dir, 'missing.conf');
    const fails = await runOps(tmp.sh, [lineInFile({ path: missing, line: 'x' })]);
    expect(fails.failures[0]).toMatch(/missing\.conf does not exist \(set create: true/);
    expect(statuses(await runOps(tmp.sh, [lineInFile({ path: missing, line: 'x', create: true })]))).toEqual(['changed']);
    expect(await readFile(missing, 'utf8')).toBe('x\n');
  });

  it('template: renders strictly and converges', async () => {
    const src = join(tmp.dir, 'pg.conf.hbs');
    await writeFile(src, 'port = {{port}}\n{{#each hosts}}host {{this}}\n{{/each}}');
    const dest = join(tmp.dir, 'pg.conf');
    const r = await runOps(tmp.sh, [template({ path: dest, src, vars: { port: 5432, hosts: ['a', 'b'] } })]);
    expect(statuses(r)).toEqual(['changed']);
    expect(await readFile(dest, 'utf8')).toBe('port = 5432\nhost a\nhost b\n');
    expect(statuses(await runOps(tmp.sh, [template({ path: dest, src, vars: { port: 5432, hosts: ['a', 'b'] } })]))).toEqual(['ok']);
  });

  it('template: a missing variable fails naming the template, line and variable', async () => {
    const src = join(tmp.dir, 'strict.hbs');
    await writeFile(src, 'a\nport = {{port}}\n');
    const r = await runOps(tmp.sh, [template({ path: join(tmp.dir, 'strict.conf'), src, vars: {} })]);
    expect(r.exitCode).toBe(1);
    expect(r.failures[0]).toBe(`h r › template ${join(tmp.dir, 'strict.conf')}: template ${src}:2: variable "port" is not defined`);
  });

  it('a failing write names host, role, task, command, exit status and stderr', async () => {
    const r = await runOps(tmp.sh, [file({ path: join(tmp.dir, 'no', 'such', 'dir', 'f'), content: 'x' })]);
    expect(r.failures[0]).toMatch(/^h r › file \/.*\/no\/such\/dir\/f: `write .* \(1 bytes\)` exited 1: mktemp: failed to create file/);
  });
});
