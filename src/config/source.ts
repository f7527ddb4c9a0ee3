/**
 * A parsed YAML file that can say on which line a value (or a key) sits, so
 * every config problem names file, line and YAML path.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { ConfigProblem } from '../errors.js';

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
    // YAML 1.1, as TPA reads config.yml (so `on`/`yes` are booleans for both).
    this.doc = parseDocument(text, { lineCounter: this.lines, version: '1.1', prettyErrors: false, uniqueKeys: true });
    this.syntaxProblems = this.doc.errors.map((e) => ({
      file,
      line: this.lines.linePos(e.pos[0]).line,
      path: '',
      message: `YAML syntax: ${e.message}`,
    }));
    this.data = this.syntaxProblems.length > 0 ? undefined : this.doc.toJS({ maxAliasCount: 1000 });
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

  problem(path: YamlPath, message: string): ConfigProblem {
    return { file: this.file, line: this.line(path), path: formatPath(path), message };
  }
}
