import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { frameCommand, stderrMarker, stdoutMarker } from './frame.js';

const token = 'M1_0123456789abcdef_7';

/** Runs framed text through a real sh, as the long-lived shell would read it. */
function throughSh(text: string) {
  const r = spawnSync('sh', [], { input: text + 'echo after\n' });
  return { out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), status: r.status };
}

describe('frameCommand', () => {
  it('ends stdout with the marker and exit status, stderr with its marker', () => {
    const r = throughSh(frameCommand('echo out; echo err >&2; exit 3', token));
    expect(r.out).toBe(`out\n\n${token}:3\nafter\n`);
    expect(r.err).toBe(`err\n\n${token}\n`);
    expect(r.out.indexOf(stdoutMarker(token).toString())).toBe(4);
    expect(r.err.indexOf(stderrMarker(token).toString())).toBe(4);
  });
  it('contains syntax errors, exit and cd within the command', () => {
    const r = throughSh(frameCommand('cd /tmp; if then', token) + frameCommand('pwd', token));
    expect(r.out).toContain(`${token}:2\n`);
    expect(r.out).not.toContain('/tmp\n');
    expect(r.out.endsWith('after\n')).toBe(true);
  });
  it('gives the command /dev/null as stdin, so it cannot eat the next commands', () => {
    const r = throughSh(frameCommand('cat', token) + frameCommand('echo second', token));
    expect(r.out).toBe(`\n${token}:0\nsecond\n\n${token}:0\nafter\n`);
  });
  it('feeds stdin data exactly, binary and quote-laden', () => {
    const data = Buffer.concat([Buffer.from("it's $(id) `x`\nno newline at end"), Buffer.from([0, 255, 10])]);
    const r = spawnSync('sh', [], { input: frameCommand('od -An -tx1 | tr -d " \\n"', token, data) });
    expect(r.stdout.toString().split('\n')[0]).toBe(data.toString('hex'));
  });
  it('keeps stdin data out of the command line', () => {
    const text = frameCommand('cat', token, Buffer.from('s3cret-pass'));
    expect(text).not.toContain('s3cret-pass');
  });
});
