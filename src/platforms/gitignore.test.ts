import { describe, expect, it } from 'vitest';
import { GITIGNORE_LINES, mergeGitignore } from './gitignore.js';

describe('mergeGitignore', () => {
  it('writes every required line into an empty file', () => {
    const text = mergeGitignore('');
    for (const l of GITIGNORE_LINES) expect(text.split('\n')).toContain(l);
  });
  it('keeps the user lines and adds only what is missing, once', () => {
    const text = mergeGitignore('notes.txt\n/id_*');
    expect(text.startsWith('notes.txt\n/id_*\n')).toBe(true);
    expect(text.split('\n').filter((l) => l === '/id_*')).toHaveLength(1);
    expect(mergeGitignore(text)).toBe(text);
  });
});
