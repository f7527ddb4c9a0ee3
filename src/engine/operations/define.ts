/**
 * defineOperation: the one way to make an operation kind outside the
 * built-in ones (pyinfra's @operation is the model). The body turns the
 * caller's arguments into a name, the facts it reads, and `apply`, which
 * reads those facts and changes only what differs through `ctx.change`; the
 * fields every operation carries (kind, when, notify) are filled here.
 */
import type { FactNeed } from '../facts/fact.js';
import { notifications, type CommonOptions, type OpContext, type Operation, type Report } from './types.js';

export interface OperationBody extends CommonOptions {
  /** The task name shown in progress, recap and log. */
  name: string;
  /** Facts `apply` reads, fetched in one batch with its neighbours' (default none). */
  needs?: readonly FactNeed[];
  apply(ctx: OpContext): Promise<Report>;
}

export function defineOperation<A extends unknown[]>(kind: string, body: (...args: A) => OperationBody): (...args: A) => Operation {
  return (...args) => {
    const b = body(...args);
    const needs = b.needs ?? [];
    return { kind, name: b.name, when: b.when ?? true, notify: notifications(b.notify), needs: () => [...needs], apply: (ctx) => b.apply(ctx) };
  };
}
