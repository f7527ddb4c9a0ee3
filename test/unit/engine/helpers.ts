import type { Connector } from '../../../src/engine/connectors/types.js';
import { Engine, type EngineOptions } from '../../../src/engine/run/engine.js';
import type { RunResult, Task } from '../../../src/engine/run/playbook.js';

/** Runs operations as one role on one host named "h". */
export async function runOps(connector: Connector, tasks: Task[] | (() => AsyncIterable<Task>), options: Partial<EngineOptions> = {}): Promise<RunResult> {
  const engine = await Engine.open({ connectors: { h: connector }, ...options });
  try {
    return await engine.run({
      name: 'test',
      stages: [{ name: 's', hosts: ['h'], roles: [{ name: 'r', tasks: () => (Array.isArray(tasks) ? tasks : tasks()) }] }],
    });
  } finally {
    // the caller owns the connector
  }
}

export function statuses(r: RunResult): string[] {
  return r.results.map((x) => x.status);
}
