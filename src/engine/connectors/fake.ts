/**
 * A scripted connector for unit tests of operations: answers each command
 * with the first rule whose pattern matches, and records every command and
 * its stdin so tests can assert what an operation ran. A command no rule
 * matches throws UnexpectedCommandError naming it: a test declares every
 * command it expects, so a changed or extra command cannot pass unnoticed.
 * A joined read (commands/joinedReads.ts) is recorded once and each of its
 * parts answered by the rules, as the shell would.
 */
import { joinedReadsOutput, splitJoinedReads } from '../commands/joinedReads.js';
import type { CommandResult, Connector, RunOptions } from './types.js';

/** A command the test did not declare; a plain Error, so no engine path treats it as a host's failure. */
export class UnexpectedCommandError extends Error {
  constructor(host: string, command: string) {
    super(`fake host ${host}: unexpected command (no rule matches): ${command}`);
    this.name = 'UnexpectedCommandError';
  }
}

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
  /** Unexpected commands so far, kept for code that catches a command's error and carries on. */
  readonly unexpected: UnexpectedCommandError[] = [];
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
    const joined = splitJoinedReads(command);
    if (joined) {
      const parts = joined.commands.map((c) => this.answer(c));
      return { code: 0, stdout: joinedReadsOutput(joined.token, parts.map((p) => ({ stdout: p.stdout, code: p.code }))), stderr: parts.map((p) => p.stderr).join('') };
    }
    return this.answer(command, stdin);
  }

  private answer(command: string, stdin?: string): CommandResult {
    const rule = this.rules.find((r) => (typeof r.match === 'function' ? r.match(command) : r.match.test(command)));
    if (!rule) {
      const error = new UnexpectedCommandError(this.host, command);
      this.unexpected.push(error);
      throw error;
    }
    const reply = typeof rule.reply === 'function' ? rule.reply(command, stdin) : rule.reply;
    return { code: reply.code ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' };
  }

  async close(): Promise<void> {}

  /** Commands run so far whose text matches. */
  ran(pattern: RegExp): string[] {
    return this.commands.map((c) => c.command).filter((c) => pattern.test(c));
  }
}
