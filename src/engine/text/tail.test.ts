import { describe, expect, it } from 'vitest';
import { lastLines, stderrTail } from './tail.js';

describe('lastLines', () => {
  it('keeps the last n lines, oldest first, on one line', () => {
    expect(lastLines('one\ntwo\nthree\nfour\n', 2)).toBe('three | four');
  });
  it('skips blank lines and trailing spaces, so the lines kept carry text', () => {
    expect(lastLines('error: disk full  \n\n   \nhint: free space\n\n', 2)).toBe('error: disk full | hint: free space');
    expect(lastLines('FATAL: no pg_hba.conf entry\r\n', 1)).toBe('FATAL: no pg_hba.conf entry');
  });
  it('keeps indentation, which a traceback needs', () => {
    expect(lastLines('Traceback:\n  File "x.py"\n    raise\n', 2, '\n')).toBe('  File "x.py"\n    raise');
  });
  it('returns all lines when there are fewer than n, and nothing for n <= 0 or empty text', () => {
    expect(lastLines('only', 5)).toBe('only');
    expect(lastLines('a\nb', 0)).toBe('');
    expect(lastLines('\n\n', 3)).toBe('');
  });
});

describe('stderrTail', () => {
  it("reads a command result's stderr, not its stdout", () => {
    expect(stderrTail({ stdout: 'progress\n', stderr: 'warning\nERROR: boom\n' } as { stdout: string; stderr: string }, 1)).toBe('ERROR: boom');
    expect(stderrTail({ stderr: '' }, 3)).toBe('');
  });
});
