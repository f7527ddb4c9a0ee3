/**
 * A parsed YAML file that can say on which line a value (or a key) sits, so
 * every config problem names file, line and YAML path.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { displayText } from '../inventory/displayText.js';

/** Expanded aliases allowed in one file: plenty for anchors in a config, far short of an alias bomb. */
export const MAX_ALIAS_COUNT = 1000;

// YAML's printable characters exclude these (YAML 1.1/1.2, c-printable): a config holding one is
// not YAML, and a value holding one could reach a file on a host or a terminal.
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;
const CHARACTER_NAMES: Record<number, string> = { 0: 'NUL', 0x1b: 'ESC', 0x7f: 'DEL' };

/** Deeper than any config needs, far short of what overflows the parser's stack. */
export const MAX_NESTING = 100;

/**
 * The first place where flow collections ([ and {) or compact block sequences
 * (- - - on one line) nest deeper than MAX_NESTING. A rough lexical scan: it
 * skips quoted scalars and comments; a stray bracket in a plain scalar only
 * counts towards a limit no real config comes near. Nesting by indentation
 * needs quadratic space, so 1 MB cannot make it deep.
 */
function nestingProblem(file: string, text: string): ConfigProblem | undefined {
  let depth = 0;
  let line = 1;
  let atLineStart = true;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      atLineStart = true;
      dashes = 0;
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '\t') continue;
      if (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        if (++dashes > MAX_NESTING) break;
        i++;
        continue;
      }
      atLineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      // A quoted scalar: skip to its end (in double quotes, a backslash escapes the next character).
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\n') line++;
        if (c === '"' && text[i] === '\\') i++;
      }
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) break;
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    }
  }
  if (depth <= MAX_NESTING && dashes <= MAX_NESTING) return undefined;
  return { file, line, path: '', message: `YAML nested more than ${MAX_NESTING} levels deep (a config.yml nests a few); is it the right file?` };
}

function unprintableProblem(file: string, text: string): ConfigProblem | undefined {
  const m = UNPRINTABLE.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  const line = before.split('\n').length;
  const column = m.index - before.lastIndexOf('\n');
  const code = m[0].charCodeAt(0);
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}${CHARACTER_NAMES[code] ? ` ${CHARACTER_NAMES[code]}` : ''}`;
  return { file, line, path: '', message: `a control character (${name}) at column ${column}, which YAML does not allow; remove it` };
}

export type YamlPath = (string | number)[];

/** `instances[2].upstream`, `cluster_vars.postgres_version`. */
export function formatPath(path: YamlPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

export class YamlSource {
  readonly data: unknown;
  readonly syntaxProblems: ConfigProblem[];
  private readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.lines = new LineCounter();
    const refused = unprintableProblem(file, text) ?? nestingProblem(file, text);
    // YAML 1.1, as TPA reads config.yml (so `on`/`yes` are booleans for both). Duplicate keys are
    // found below: yaml's own check compares every key with every other (minutes for a big mapping).
    this.doc = parseDocument(refused ? '' : text, { lineCounter: this.lines, version: '1.1', prettyErrors: false, uniqueKeys: false });
    const problems = refused ? [refused] : this.structureProblems();
    let data: unknown;
    if (problems.length === 0) {
      try {
        data = this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        // yaml: "Excessive alias count indicates a resource exhaustion attack".
        if (!(e instanceof ReferenceError && /alias count/i.test(e.message))) throw e;
        problems.push({
          file,
          path: '',
          message: `YAML aliases expand to more than ${MAX_ALIAS_COUNT} values (an alias bomb?); write the values out instead of aliasing them`,
        });
      }
    }
    this.syntaxProblems = problems;
    this.data = data;
  }

  /** Syntax errors, keys given twice in a mapping, tags m1 cannot read. */
  private structureProblems(): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    let tooDeep = false;
    for (const e of this.doc.errors) {
      // The composer recurses once per level: a stack overflow is a document nested absurdly deep.
      if (/Maximum call stack size exceeded/.test(e.message)) {
        if (!tooDeep) problems.push({ file: this.file, path: '', message: 'YAML nested too deeply (a config.yml nests a few levels); is it the right file?' });
        tooDeep = true;
      } else {
        problems.push({ file: this.file, line: this.lineOf(e.pos[0]), path: '', message: `YAML syntax: ${e.message}` });
      }
    }
    for (const w of this.doc.warnings) {
      if (w.code !== 'TAG_RESOLVE_FAILED') continue;
      const tag = displayText(w.message.replace(/^Unresolved tag: /, '').replace(/^tag:yaml\.org,2002:/, '!!'));
      problems.push({ file: this.file, line: this.lineOf(w.pos[0]), path: '', message: `unknown YAML tag ${tag}; remove it (m1 reads plain YAML values)` });
    }
    if (problems.length > 0) return problems;
    visit(this.doc, {
      Map: (_key, map, path) => {
        const seen = new Map<unknown, Node>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const first = seen.get(pair.key.value);
          if (first) {
            const where = this.pathOf([...path, map, pair]);
            problems.push({
              file: this.file,
              line: this.lineOf(pair.key.range?.[0]),
              path: displayText(formatPath(where)),
              message: `this key is already on line ${this.lineOf(first.range?.[0])}; keys of a mapping must be unique`,
            });
          } else seen.set(pair.key.value, pair.key);
        }
      },
    });
    return problems;
  }

  /** The YAML path of a node from visit()'s ancestry (Document, then collections and pairs). */
  private pathOf(ancestry: readonly unknown[]): YamlPath {
    const out: YamlPath = [];
    for (let k = 1; k < ancestry.length; k++) {
      const parent = ancestry[k - 1];
      const here = ancestry[k];
      if (isSeq(parent)) out.push(parent.items.indexOf(here as never));
      else if (isPair(here) && isScalar(here.key)) out.push(String(here.key.value));
    }
    return out;
  }

  private walk(path: YamlPath): { node?: Node | null; pair?: Pair } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const seg of path) {
      pair = undefined;
      if (typeof seg === 'number' && isSeq(node)) {
        node = node.items[seg];
      } else if (isMap(node)) {
        const found = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        pair = found;
        node = found?.value;
      } else {
        return {};
      }
      if (node === undefined) return { pair };
    }
    return { node: node as Node | null, pair };
  }

  private lineOf(offset: number | undefined): number | undefined {
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  /**
   * Line of `path`: its key's line for a mapping entry, the item's first line
   * for a list item; for a missing key, the line of the nearest existing parent.
   */
  line(path: YamlPath): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const { node, pair } = this.walk(path.slice(0, n));
      // A mapping entry is located by its key ("cluster_vars:"), a list item by its value.
      if (pair && isScalar(pair.key) && pair.key.range) return this.lineOf(pair.key.range[0]);
      if (node && node.range) return this.lineOf(node.range[0]);
    }
    return undefined;
  }

  /** First and last line of the value at `path` (a list item: from its "- " line), else undefined. */
  span(path: YamlPath): { first: number; last: number } | undefined {
    const { node } = this.walk(path);
    if (!node || !node.range) return undefined;
    const first = this.lineOf(node.range[0])!;
    // range[1] is where the value ends: past its last character (and its line break, for a block).
    const last = this.lineOf(Math.max(node.range[0], node.range[1] - 1))!;
    return { first, last };
  }

  /** A problem at `path`; values the message quotes from the file are shown with control characters escaped. */
  problem(path: YamlPath, message: string): ConfigProblem {
    return { file: this.file, line: this.line(path), path: displayText(formatPath(path)), message: displayText(message) };
  }
}
