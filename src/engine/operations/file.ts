/**
 * file: a file with exactly this content, owner, group and mode (written
 * atomically, content through stdin), or absent. Reports a unified diff.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertManagedPath } from '../commands/paths.js';
import { buildRemovePath, buildSetAttributes } from '../commands/setAttributes.js';
import type { FileStat } from '../commands/statFiles.js';
import { assertMode, buildWriteFile } from '../commands/writeFile.js';
import { unifiedDiff } from '../text/diff.js';
import { base, OperationError, type CommonOptions, type OpContext, type Operation, type Report } from './types.js';

export interface Attributes {
  owner?: string;
  group?: string;
  /** Octal, e.g. "0640". */
  mode?: string;
}

export interface FileOptions extends CommonOptions, Attributes {
  path: string;
  /** The content wanted. Omitted: only owner, group and mode are managed (the file must exist). */
  content?: string | Buffer;
  /** Or: a local file whose content is wanted. */
  src?: string;
  state?: 'present' | 'absent';
  /** Show no diff (the content is secret). */
  sensitive?: boolean;
  /**
   * A read-only command that exits 0 when it accepts the new content, given
   * on its stdin (`visudo -cf -`): run before a changed content is written,
   * in check mode too. A refusal fails the operation with the command's own
   * words and leaves the file as it was.
   */
  validate?: string;
}

/** Lines describing attribute changes ("mode 0644 -> 0600"), empty when none. */
export function attributeChanges(stat: FileStat, want: Attributes): string[] {
  const out: string[] = [];
  if (want.owner !== undefined && want.owner !== stat.owner) out.push(`owner ${stat.owner} -> ${want.owner}`);
  if (want.group !== undefined && want.group !== stat.group) out.push(`group ${stat.group} -> ${want.group}`);
  if (want.mode !== undefined && want.mode.padStart(4, '0') !== stat.mode) out.push(`mode ${stat.mode} -> ${want.mode.padStart(4, '0')}`);
  return out;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function asText(b: Buffer): string | undefined {
  const s = b.toString('utf8');
  return s.includes('\0') || Buffer.byteLength(s) !== b.length ? undefined : s;
}

/** The diff shown for a content change: unified, or a note for binary or sensitive content. */
export function contentDiff(path: string, before: Buffer | null, after: Buffer, sensitive: boolean): string {
  if (sensitive) return `--- ${path}\n+++ ${path}\n(content hidden: sensitive)\n`;
  const a = before === null ? '' : asText(before);
  const b = asText(after);
  if (a === undefined || b === undefined) return `--- ${path}\n+++ ${path}\nbinary content changed (${before?.length ?? 0} -> ${after.length} bytes)\n`;
  return unifiedDiff(a, b, { fromFile: before === null ? '/dev/null' : `${path} (before)`, toFile: `${path} (after)` });
}

/**
 * Shared by file, template and line-in-file: make `path` hold `content` with
 * the given attributes, reporting a diff.
 */
export async function converge(
  ctx: OpContext,
  path: string,
  content: Buffer | undefined,
  attrs: Attributes,
  sensitive: boolean,
  validate?: string,
): Promise<Report> {
  const stat = await ctx.facts.stat(path);
  if (stat && stat.type !== 'file') throw new OperationError(`${path} is a ${stat.type}, not a regular file`);
  if (content === undefined) {
    if (!stat && ctx.check) return { status: 'skipped', message: `check mode: ${path} does not exist yet` };
    if (!stat) throw new OperationError(`${path} does not exist (give content to create it)`);
    const changes = attributeChanges(stat, attrs);
    if (!changes.length) return { status: 'ok' };
    await ctx.change({ cmd: buildSetAttributes(path, attrs) });
    ctx.facts.invalidatePaths(path);
    return { status: 'changed', diff: changes.join('\n') + '\n' };
  }
  const sameContent = stat !== null && stat.sha256 === sha256(content);
  const changes = stat ? attributeChanges(stat, attrs) : [];
  if (sameContent && !changes.length) return { status: 'ok' };
  let diff = '';
  if (!sameContent) {
    if (validate !== undefined) await checkContent(ctx, content, validate);
    const before = stat ? await ctx.facts.content(path) : null;
    diff = contentDiff(path, before, content, sensitive);
    await ctx.change({ cmd: buildWriteFile({ path, ...attrs }), stdin: content, display: `write ${path} (${content.length} bytes)` });
  } else {
    await ctx.change({ cmd: buildSetAttributes(path, attrs) });
  }
  ctx.facts.invalidatePaths(path);
  return { status: 'changed', diff: diff + changes.map((c) => c + '\n').join('') };
}

async function checkContent(ctx: OpContext, content: Buffer, validate: string): Promise<void> {
  const r = await ctx.probe({ cmd: validate, stdin: content });
  if (r.code === 0) return;
  const words = `${r.stderr}\n${r.stdout}`.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  throw new OperationError(`\`${validate}\` refused the new content (exit ${r.code})${words ? `: ${words}` : ''}; the file was left as it was`);
}

export function validateAttributes(path: string, attrs: Attributes): void {
  assertManagedPath(path);
  if (attrs.mode !== undefined) assertMode(attrs.mode);
}

export function file(options: FileOptions): Operation {
  const { path, state = 'present', sensitive = false } = options;
  validateAttributes(path, options);
  if (options.content !== undefined && options.src !== undefined) throw new OperationError(`file ${path}: give content or src, not both`);
  const attrs: Attributes = { owner: options.owner, group: options.group, mode: options.mode };
  return {
    ...base('file', `file ${path}`, options),
    needs: () => [{ kind: 'stat', path }],
    async apply(ctx) {
      if (state === 'absent') {
        const stat = await ctx.facts.stat(path);
        if (!stat) return { status: 'ok' };
        if (stat.type === 'directory') throw new OperationError(`${path} is a directory; use directory(... state: 'absent')`);
        await ctx.change({ cmd: buildRemovePath(path) });
        ctx.facts.invalidatePaths(path);
        return { status: 'changed', diff: `--- ${path}\n+++ /dev/null\n(removed)\n` };
      }
      const data =
        options.src !== undefined
          ? readFileSync(options.src)
          : options.content === undefined
            ? undefined
            : Buffer.isBuffer(options.content)
              ? options.content
              : Buffer.from(options.content, 'utf8');
      return converge(ctx, path, data, attrs, sensitive, options.validate);
    },
  };
}
