/**
 * Hostile or broken config.yml files: each is refused before anything runs,
 * with exit 2 and one line naming the file and the fix, and nothing is
 * written to the cluster directory (not by validate, not by deploy).
 * Control characters that reach a message or the topology are escaped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../configure/helpers.js';

const C = ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'repmgr', '--platform', 'docker'];

/** A cluster directory holding a valid config.yml (from configure), and that text. */
async function cluster(): Promise<{ dir: string; file: string; text: string }> {
  const dir = join(await tempDir(), 'c1');
  const r = await runCli(['configure', dir, ...C]);
  expect(r.code).toBe(0);
  const file = join(dir, 'config.yml');
  return { dir, file, text: execFileSync('cat', [file], { encoding: 'utf8' }) };
}

/** Every entry under `dir` with its size and modification time: equal before and after means nothing was written. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const st = statSync(join(dir, name), { throwIfNoEntry: false });
      return `${name} ${st?.size} ${st?.mtimeMs}`;
    });
}

function aliasBomb(): string {
  const lines = ['bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 9; i++) lines.push(`bomb${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** [what, how the good file is spoiled (bytes), the one problem line after the file name]. */
const CASES: [string, (text: string) => Buffer, RegExp][] = [
  ['an alias bomb', (t) => Buffer.from(t + aliasBomb()),
    /^: YAML aliases expand to more than 1000 values \(an alias bomb\?\); write the values out instead of aliasing them$/],
  ['a NUL byte', (t) => Buffer.from(t.replace('cluster_tags: {}', 'cluster_tags: {a: "x\0y"}')),
    /^:4: a control character \(U\+0000 NUL\) at column 21, which YAML does not allow; remove it$/],
  ['a raw escape character', (t) => Buffer.from(t.replace('cluster_tags: {}', 'cluster_tags: {a: "\u001b[2J"}')),
    /^:4: a control character \(U\+001B ESC\) at column 20, which YAML does not allow; remove it$/],
  ['invalid UTF-8', (t) => Buffer.concat([Buffer.from(t.replace('cluster_tags: {}', 'cluster_tags: {a: "')), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]),
    /^:\d+: byte \d+ \(0xc3\) is not UTF-8; save the file as UTF-8$/],
  ['an unknown tag', (t) => Buffer.from(t.replace('cluster_tags: {}', 'cluster_tags: !!python/object/apply:os.system ["id"]')),
    /^:4: unknown YAML tag !!python\/object\/apply:os\.system; remove it \(m1 reads plain YAML values\)$/],
  ['a local tag', (t) => Buffer.from(t.replace('cluster_tags: {}', 'cluster_tags: !include other.yml')),
    /^:4: unknown YAML tag !include; remove it \(m1 reads plain YAML values\)$/],
  ['a file over 1 MB', (t) => Buffer.from(t + `# ${'x'.repeat(1024 * 1024)}\n`),
    /^: is over 1 MB \(\d+ bytes\); a cluster's config\.yml is a few kB: is it the right file\?$/],
  ['flow collections nested deep enough to overflow the parser', (t) => Buffer.from(t + `deep: ${'[{'.repeat(100_000)}${'}]'.repeat(100_000)}\n`),
    /^:\d+: YAML nested more than 100 levels deep \(a config\.yml nests a few\); is it the right file\?$/],
  ['block sequences nested on one line', (t) => Buffer.from(t + `deep:\n${'- '.repeat(200_000)}x\n`),
    /^:\d+: YAML nested more than 100 levels deep \(a config\.yml nests a few\); is it the right file\?$/],
];

describe('a hostile config.yml: exit 2, one line naming the file, nothing written', () => {
  for (const [what, spoil, line] of CASES) {
    it(what, async () => {
      const { dir, file, text } = await cluster();
      writeFileSync(file, spoil(text));
      const before = tree(dir);

      const validate = await runCli(['validate', dir]);
      expect(validate.code).toBe(2);
      const [problem, ...rest] = validate.stderr.trimEnd().split('\n');
      expect(problem!.startsWith(file)).toBe(true);
      expect(problem!.slice(file.length)).toMatch(line);
      expect(rest).toEqual(['m1: 1 problem in the config; nothing was changed']);

      const deploy = await runCli(['deploy', dir]);
      expect(deploy.code).toBe(2);
      expect(deploy.stderr).toBe(`m1: ${problem}\n`);
      expect(tree(dir)).toEqual(before);
    });
  }
});

describe('a config.yml that is not a regular file: refused without reading it', () => {
  it('a FIFO (opening it would wait for a writer)', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'config.yml')]);
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`${join(dir, 'config.yml')}: is a FIFO; a config.yml is a regular file`);
  });

  it('a link to a device that never ends (/dev/zero)', async () => {
    const dir = await tempDir();
    symlinkSync('/dev/zero', join(dir, 'config.yml'));
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`${join(dir, 'config.yml')}: is a device; a config.yml is a regular file`);
  });

  it('a directory', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'config.yml'));
    const r = await runCli(['validate', dir]);
    expect(r.stderr.split('\n')[0]).toBe(`${join(dir, 'config.yml')}: is a directory; a config.yml is a regular file`);
  });

  it('a cluster directory under /proc answers at once', async () => {
    const r = await runCli(['validate', '/proc/x']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('/proc/x/config.yml: no such file; create it with `m1 configure /proc/x --architecture M1 ...`');
  });
});

describe('a large config.yml is parsed in linear time', () => {
  it('finds a key given twice among 60 000 (checking every pair would take minutes)', async () => {
    const { dir, file, text } = await cluster();
    const keys = Array.from({ length: 60_000 }, (_, k) => `    k${k}: 1\n`).join('');
    writeFileSync(file, text.replace('cluster_tags: {}\n', `cluster_tags:\n  many:\n${keys}    k7: again\n`));
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    const r = await runCli(['validate', dir]);
    expect(r.stderr.split('\n')[0]).toBe(`${file}:60006 cluster_tags.many.k7: this key is already on line 13; keys of a mapping must be unique`);
  }, 120_000); // ~2 s idle; generous for a machine busy with other tests
});

describe('control characters from config.yml are escaped when echoed', () => {
  it('in a problem: the value and the YAML path', async () => {
    const { dir, file, text } = await cluster();
    writeFileSync(file, text.replace(/^cluster_name: .*$/m, 'cluster_name: "x\\e]0;pwned\\a"').replace('cluster_tags: {}', '"tag\\e[31m": 1\ncluster_tags: {}'));
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain('"x\\u001b]0;pwned\\u0007" is not usable as a name');
    expect(r.stderr).toContain('tag\\u001b[31m: unknown key');
  });

  it('in the topology: a location name', async () => {
    const { dir, file, text } = await cluster();
    writeFileSync(file, text.replaceAll('main', '"ma\\e[2Jin"'));
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toContain('└─ ma\\u001b[2Jin');
  });
});

describe('a damaged password file: deploy names it and the fix before touching anything', () => {
  it('an empty secrets/<user>.password: exit 2, one line, nothing written', async () => {
    const parent = await tempDir();
    const names = join(parent, 'names.txt');
    // Loopback addresses: were the check missing, provision would only knock on this machine.
    writeFileSync(names, 'alpha 127.0.0.21\nbeta 127.0.0.22\ngamma 127.0.0.23\n');
    const dir = join(parent, 'c1');
    expect((await runCli(['configure', dir, '-a', 'M1', '--postgresql', '16', '--failover-manager', 'repmgr', '--platform', 'bare', '--hostnames-from', names])).code).toBe(0);
    mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
    writeFileSync(join(dir, 'secrets', 'postgres.password'), '', { mode: 0o600 });
    const before = tree(dir);
    const r = await runCli(['deploy', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `m1: ${join(dir, 'secrets', 'postgres.password')}: empty; remove it and run \`m1 deploy ${dir}\`, which generates a new password for postgres and sets it on the hosts\n`,
    );
    expect(tree(dir)).toEqual(before);
  });
});
