/**
 * Samples every host of the cluster at most SAMPLE_MS apart over its own SSH
 * connection (a set apart from the drill's other commands): data nodes with
 * sampleCommand (writable?), the others with `true` (do they answer?). A
 * sample that does not come back within a second is `unreachable`.
 */
import type { Connector } from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { isDataNode } from '../../src/inventory/cluster.js';
import { runOn } from '../operate/cluster.js';
import { parseSample, sampleCommand } from './sql.js';
import type { NodeSample } from './timeline.js';

export const SAMPLE_MS = 250;
const ANSWER_MS = 1000;

export class Sampler {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly samples: NodeSample[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly connectors: Map<string, Connector>,
    /** The drill's clock: ms from the fault (negative before it). */
    private readonly now: () => number,
  ) {}

  start(): this {
    this.running = true;
    this.loops = this.cluster.instances.map((i) => this.loop(i.name, isDataNode(i) ? sampleCommand(this.cluster.postgresVersion, i.name) : 'true'));
    return this;
  }

  private async loop(host: string, command: string): Promise<void> {
    let pending: Promise<unknown> | undefined;
    while (this.running) {
      const start = this.now();
      if (!pending) {
        const run = runOn(this.connectors, host, command, { timeoutMs: ANSWER_MS });
        pending = run;
        const answer = await Promise.race([run, new Promise<undefined>((r) => setTimeout(() => r(undefined), ANSWER_MS))]);
        if (answer === undefined) {
          this.samples.push({ host, atMs: start, state: 'unreachable' });
          // The connector is still busy with it: the next tick waits for it rather than queueing behind it.
          void run.finally(() => (pending = undefined));
        } else {
          pending = undefined;
          const atMs = (start + this.now()) / 2;
          if (!answer.ok) this.samples.push({ host, atMs: start, state: 'unreachable' });
          else this.samples.push({ host, atMs, state: command === 'true' ? 'stopped' : parseSample(answer.result.stdout) });
        }
      } else {
        this.samples.push({ host, atMs: start, state: 'unreachable' });
      }
      const wait = SAMPLE_MS - (this.now() - start);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async stop(): Promise<NodeSample[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.samples;
  }
}
