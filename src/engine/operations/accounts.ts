/** user and group: local accounts, created or brought in line (users are only ever added to groups). */
import { buildGroupAdd, buildGroupMod, buildUserAdd, buildUserMod, assertAccountName, type UserSpec } from '../commands/users.js';
import { base, OperationError, type CommonOptions, type Operation } from './types.js';

export interface GroupOptions extends CommonOptions {
  group: string;
  gid?: number;
  system?: boolean;
}

export function group(options: GroupOptions): Operation {
  assertAccountName(options.group);
  return {
    ...base('group', `group ${options.group}`, options),
    needs: () => [{ kind: 'accounts' }],
    async apply(ctx) {
      const have = (await ctx.facts.accounts()).groups.get(options.group);
      if (!have) {
        await ctx.change({ cmd: buildGroupAdd({ name: options.group, gid: options.gid, system: options.system }) });
        ctx.facts.invalidateAccounts();
        return { status: 'changed', diff: `+ group ${options.group}\n` };
      }
      if (options.gid !== undefined && have.gid !== options.gid) {
        await ctx.change({ cmd: buildGroupMod(options.group, options.gid) });
        ctx.facts.invalidateAccounts();
        return { status: 'changed', diff: `group ${options.group}: gid ${have.gid} -> ${options.gid}\n` };
      }
      return { status: 'ok' };
    },
  };
}

export interface UserOptions extends CommonOptions, Omit<UserSpec, 'name'> {
  user: string;
}

export function user(options: UserOptions): Operation {
  const { user: name, ...spec } = options;
  assertAccountName(name);
  return {
    ...base('user', `user ${name}`, options),
    needs: () => [{ kind: 'accounts' }],
    async apply(ctx) {
      const accounts = await ctx.facts.accounts();
      for (const g of [spec.group, ...(spec.groups ?? [])]) {
        if (g !== undefined && !accounts.groups.has(g) && !ctx.check) throw new OperationError(`user ${name}: group ${g} does not exist (declare it with group() first)`);
      }
      const have = accounts.users.get(name);
      if (!have) {
        await ctx.change({ cmd: buildUserAdd({ name, ...spec }) });
        // the home directory and a user group may appear too
        ctx.facts.invalidateAll();
        return { status: 'changed', diff: `+ user ${name}\n` };
      }
      const changes: Parameters<typeof buildUserMod>[1] = {};
      const lines: string[] = [];
      if (spec.uid !== undefined && spec.uid !== have.uid) {
        changes.uid = spec.uid;
        lines.push(`uid ${have.uid} -> ${spec.uid}`);
      }
      const primary = spec.group === undefined ? undefined : accounts.groups.get(spec.group);
      if (spec.group !== undefined && primary?.gid !== have.gid) {
        changes.group = spec.group;
        lines.push(`group -> ${spec.group}`);
      }
      const missing = (spec.groups ?? []).filter((g) => !accounts.groups.get(g)?.members.includes(name) && accounts.groups.get(g)?.gid !== have.gid);
      if (missing.length) {
        changes.appendGroups = missing;
        lines.push(`groups + ${missing.join(',')}`);
      }
      if (spec.home !== undefined && spec.home !== have.home) {
        changes.home = spec.home;
        lines.push(`home ${have.home} -> ${spec.home}`);
      }
      if (spec.shell !== undefined && spec.shell !== have.shell) {
        changes.shell = spec.shell;
        lines.push(`shell ${have.shell} -> ${spec.shell}`);
      }
      if (!lines.length) return { status: 'ok' };
      await ctx.change({ cmd: buildUserMod(name, changes) });
      ctx.facts.invalidateAccounts();
      return { status: 'changed', diff: lines.map((l) => `user ${name}: ${l}\n`).join('') };
    },
  };
}
