/**
 * The secret registry: every value registered here is replaced by
 * `********` in every output, diff, error and log line the engine produces.
 * Secrets reach hosts through stdin or files, never command arguments
 * (see frame.ts), so they never show in a process list either.
 */

export const REDACTED = '********';

export class Secrets {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a value (ignored when empty) and returns it, for inline use. */
  register(value: string): string {
    if (value !== '' && !this.values.has(value)) {
      this.values.add(value);
      // Forms a secret takes in our own output: as is, and JSON-escaped (log lines, error messages).
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) this.values.add(escaped);
      this.pattern = undefined;
    }
    return value;
  }

  get size(): number {
    return this.values.size;
  }

  /** The text with every registered value replaced (longest first, so overlapping secrets are fully hidden). */
  redact(text: string): string {
    if (this.values.size === 0 || text === '') return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Whether a text contains any registered value. */
  contains(text: string): boolean {
    return this.redact(text) !== text;
  }
}
