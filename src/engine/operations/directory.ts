/** directory: a directory with this owner, group and mode (parents created), or absent. */
import { buildEnsureDirectory } from '../commands/ensureDirectory.js';
import { parentDir } from '../commands/paths.js';
import { buildRemovePath } from '../commands/setAttributes.js';
import { attributeChanges, validateAttributes, type Attributes } from './file.js';
import { base, OperationError, type CommonOptions, type Operation } from './types.js';

export interface DirectoryOptions extends CommonOptions, Attributes {
  path: string;
  state?: 'present' | 'absent';
}

/** The path and every directory above it. */
function ancestors(path: string): string[] {
  const out = [path];
  for (let p = parentDir(path); p !== '/'; p = parentDir(p)) out.push(p);
  return out;
}

export function directory(options: DirectoryOptions): Operation {
  const { path, state = 'present' } = options;
  validateAttributes(path, options);
  const attrs = { owner: options.owner, group: options.group, mode: options.mode };
  return {
    ...base('directory', `directory ${path}`, options),
    needs: () => [{ kind: 'stat', path }],
    async apply(ctx) {
      const stat = await ctx.facts.stat(path);
      if (state === 'absent') {
        if (!stat) return { status: 'ok' };
        await ctx.change({ cmd: buildRemovePath(path, true) });
        ctx.facts.invalidateAll(); // anything below it is gone too
        return { status: 'changed', diff: `${path}: removed\n` };
      }
      if (stat && stat.type !== 'directory') throw new OperationError(`${path} exists and is a ${stat.type}, not a directory`);
      const changes = stat ? attributeChanges(stat, attrs) : [];
      if (stat && !changes.length) return { status: 'ok' };
      const create = !stat;
      await ctx.change({
        cmd: buildEnsureDirectory(
          { path, ...attrs },
          {
            create,
            owner: create || changes.some((c) => c.startsWith('owner') || c.startsWith('group')),
            mode: create || changes.some((c) => c.startsWith('mode')),
          },
        ),
      });
      // mkdir -p may have created parents too
      ctx.facts.invalidatePaths(...(create ? ancestors(path) : [path]));
      return { status: 'changed', diff: create ? `${path}: created\n` : changes.join('\n') + '\n' };
    },
  };
}
