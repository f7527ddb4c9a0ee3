/**
 * A scripted connector for unit tests of operations: answers each command
 * with the first rule whose pattern matches, and records every command and
 * its stdin so tests can assert what an operation ran.
 */
import type { CommandResult, Connector, RunOptions } from './types.js';

export interface FakeRule {
  match: RegExp | ((command: string) => boolean);
  reply: Partial<CommandResult> | ((command: string, stdin?: string) => Partial<CommandResult>);
}

export interface RecordedCommand {
  command: string;
  stdin?: string;
}

export class FakeConnector implements Connector {
  readonly host: string;
  readonly commands: RecordedCommand[] = [];
  private readonly rules: FakeRule[];

  constructor(host: string, rules: FakeRule[] = []) {
    this.host = host;
    this.rules = rules;
  }

  /** Adds a rule checked before the existing ones. */
  on(match: FakeRule['match'], reply: FakeRule['reply']): this {
    this.rules.unshift({ match, reply });
    return this;
  }

  async connect(): Promise<void> {}

  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const stdin = options.stdin === undefined ? undefined : options.stdin.toString();
    this.commands.push(stdin === undefined ? { command } : { command, stdin });
    const rule = this.rules.find((r) => (typeof r.match === 'function' ? r.match(command) : r.match.test(command)));
    const reply = rule ? (typeof rule.reply === 'function' ? rule.reply(command, stdin) : rule.reply) : {};
    return { code: reply.code ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' };
  }

  async close(): Promise<void> {}

  /** Commands run so far whose text matches. */
  ran(pattern: RegExp): string[] {
    return this.commands.map((c) => c.command).filter((c) => pattern.test(c));
  }
}
