import { afterAll, describe, expect, it } from 'vitest';
import { LocalConnector } from './local.js';
import { CommandTimeoutError } from './types.js';

const c = new LocalConnector('local');
afterAll(() => c.close());

describe('LocalConnector (long-lived sh)', () => {
  it('returns exit status, stdout and stderr separately', async () => {
    const r = await c.run('echo hello; echo oops >&2; exit 4');
    expect(r).toEqual({ code: 4, stdout: 'hello\n', stderr: 'oops\n' });
  });
  it('keeps output without a trailing newline exact', async () => {
    expect((await c.run("printf 'a\\nb'")).stdout).toBe('a\nb');
    expect((await c.run('true')).stdout).toBe('');
  });
  it('runs many commands in order on one shell', async () => {
    const pid = (await c.run('echo $PPID')).stdout;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.run(`echo ${i}`)));
    expect(results.map((r) => Number(r.stdout))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await c.run('echo $PPID')).stdout).toBe(pid);
  });
  it('survives a syntax error and exit in a command', async () => {
    expect((await c.run('if then fi')).code).toBe(2);
    expect((await c.run('exit 7')).code).toBe(7);
    expect((await c.run('echo alive')).stdout).toBe('alive\n');
  });
  it('passes stdin data and keeps large outputs whole', async () => {
    const data = 'x'.repeat(300_000) + "\n'$(quoted)'";
    const r = await c.run('cat', { stdin: data });
    expect(r.stdout).toBe(data);
  });
  it('reads a large output quickly (no quadratic buffering)', async () => {
    const t = performance.now();
    const r = await c.run('head -c 20000000 /dev/zero | tr "\\0" x');
    expect(r.stdout.length).toBe(20_000_000);
    expect(performance.now() - t).toBeLessThan(15_000);
  });
  it('sets a C locale and no apt prompts', async () => {
    expect((await c.run('echo $LC_ALL $DEBIAN_FRONTEND')).stdout).toBe('C noninteractive\n');
  });
  it('kills a command at its timeout and goes on with a fresh shell', async () => {
    await expect(c.run('sleep 5', { timeoutMs: 200 })).rejects.toBeInstanceOf(CommandTimeoutError);
    expect((await c.run('echo next')).stdout).toBe('next\n');
  });
  it('costs well under a millisecond per command', async () => {
    const t = performance.now();
    for (let i = 0; i < 200; i++) await c.run('true');
    const per = (performance.now() - t) / 200;
    expect(per).toBeLessThan(20); // generous: unit files run in parallel on 2 cores
  });
});
