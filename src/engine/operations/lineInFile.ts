/** line in file: one line present (replacing the last line matching `regexp`) or absent, in a file. */
import { ensureLine, type LineSpec } from '../text/lineInFile.js';
import { converge, validateAttributes, type Attributes } from './file.js';
import { base, OperationError, type CommonOptions, type Operation } from './types.js';

export interface LineInFileOptions extends CommonOptions, Attributes, LineSpec {
  path: string;
  /** Create the file when missing (default false: a missing file is an error). */
  create?: boolean;
}

export function lineInFile(options: LineInFileOptions): Operation {
  const { path, create = false } = options;
  validateAttributes(path, options);
  const attrs: Attributes = { owner: options.owner, group: options.group, mode: options.mode };
  const spec: LineSpec = { line: options.line, regexp: options.regexp, state: options.state, insertAfter: options.insertAfter, insertBefore: options.insertBefore };
  const what = options.line ?? String(options.regexp);
  return {
    ...base('lineinfile', `line in ${path}: ${what.length > 40 ? what.slice(0, 37) + '...' : what}`, options),
    needs: () => [{ kind: 'stat', path }, { kind: 'content', path }],
    async apply(ctx) {
      const stat = await ctx.facts.stat(path);
      if (!stat) {
        if (options.state === 'absent') return { status: 'ok' };
        // In check mode an earlier step that would create it has not run.
        if (!create && ctx.check) return { status: 'skipped', message: `check mode: ${path} does not exist yet` };
        if (!create) throw new OperationError(`${path} does not exist (set create: true to create it)`);
      } else if (stat.type !== 'file') {
        throw new OperationError(`${path} is a ${stat.type}, not a regular file`);
      }
      const before = stat ? ((await ctx.facts.content(path)) ?? Buffer.alloc(0)).toString('utf8') : '';
      const after = ensureLine(before, spec);
      return converge(ctx, path, Buffer.from(after, 'utf8'), attrs, false);
    },
  };
}
