/**
 * service: a systemd unit enabled or disabled, started or stopped (or
 * restarted / reloaded now, unconditionally). Reloads systemd first when the
 * unit's file is new or changed on disk.
 */
import { buildDaemonReload, buildServiceAction, unitName, type ServiceState } from '../commands/systemctl.js';
import { base, OperationError, type CommonOptions, type OpContext, type Operation } from './types.js';

export interface ServiceOptions extends CommonOptions {
  /** Unit name; ".service" is implied. */
  service: string;
  enabled?: boolean;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
}

const RUNNING = new Set(['active', 'activating', 'reloading']);
/** Unit file states for which enabling means nothing more to do. */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'transient', 'alias']);

async function current(ctx: OpContext, unit: string): Promise<ServiceState> {
  let st = await ctx.facts.service(unit);
  if (st.loadState === 'not-found' || st.needDaemonReload) {
    // A unit file written earlier in this run: systemd reads it after daemon-reload.
    const r = await ctx.change({ cmd: buildDaemonReload() });
    if (r) {
      ctx.facts.invalidateAll();
      st = await ctx.facts.service(unit);
    }
  }
  return st;
}

export function service(options: ServiceOptions): Operation {
  const unit = unitName(options.service);
  const { enabled, state } = options;
  const what = [state, enabled === undefined ? undefined : enabled ? 'enabled' : 'disabled'].filter(Boolean).join(', ');
  return {
    ...base('service', `service ${options.service} ${what}`.trim(), options),
    needs: () => [{ kind: 'service', unit }],
    async apply(ctx) {
      const st = await current(ctx, unit);
      if (st.loadState === 'not-found' || st.loadState === 'masked') {
        if (ctx.check && st.loadState === 'not-found') return { status: 'changed', message: `${unit} not found yet (check mode: it may come from an earlier step)` };
        throw new OperationError(`unit ${unit} is ${st.loadState}`);
      }
      const done: string[] = [];
      if (enabled === true && !ENABLED.has(st.unitFileState)) {
        await ctx.change({ cmd: buildServiceAction('enable', unit) });
        done.push('enabled');
      } else if (enabled === false && st.unitFileState === 'enabled') {
        await ctx.change({ cmd: buildServiceAction('disable', unit) });
        done.push('disabled');
      }
      const running = RUNNING.has(st.activeState);
      if (state === 'started' && !running) {
        // With a restart or reload pending, the start is one that also applies it should the unit run by now: another
        // agent (the runtime fence, a promote hook) may start it between the read above and this command, and a plain
        // start of a running unit does nothing, so it would go on with what it read before this role's changes.
        const pending = ctx.pendingAction(unit);
        await ctx.change({ cmd: buildServiceAction(pending === 'restart' ? 'restart' : pending === 'reload' ? 'reload-or-restart' : 'start', unit) });
        ctx.started(unit);
        done.push('started');
      } else if (state === 'stopped' && running) {
        await ctx.change({ cmd: buildServiceAction('stop', unit) });
        done.push('stopped');
      } else if (state === 'restarted' || (state === 'reloaded' && !running)) {
        await ctx.change({ cmd: buildServiceAction(state === 'restarted' ? 'restart' : 'start', unit) });
        ctx.started(unit);
        done.push(state === 'restarted' ? 'restarted' : 'started');
      } else if (state === 'reloaded') {
        await ctx.change({ cmd: buildServiceAction('reload', unit) });
        done.push('reloaded');
      }
      if (!done.length) return { status: 'ok' };
      ctx.facts.invalidateService(unit);
      return { status: 'changed', message: `${unit} ${done.join(', ')}`, diff: `${unit}: ${st.activeState}/${st.unitFileState || '-'} -> ${done.join(', ')}\n` };
    },
  };
}
