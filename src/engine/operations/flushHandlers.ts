/**
 * flush handlers: runs the restarts and reloads notified so far in this role
 * now instead of at its end (e.g. restart Postgres before creating objects
 * that need the new settings). The runner carries it out.
 */
import { base, type Operation } from './types.js';

export const FLUSH_KIND = 'flush-handlers';

export function flushHandlers(name = 'run pending handlers'): Operation {
  return {
    ...base(FLUSH_KIND, name, {}),
    needs: () => [],
    async apply() {
      throw new Error('flush handlers runs inside the engine only');
    },
  };
}
