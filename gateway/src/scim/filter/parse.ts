import { badRequest } from '../../errors/scim-error.js';
import { COMPARE_OPS, type CompareOp, type CompValue, type Filter } from './ast.js';

import { DEFAULT_LIMITS } from '../../limits.js';

type Token =
  | { kind: '(' | ')' | '[' | ']' | 'end'; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'value'; value: CompValue; at: number };

const ATTR_PATH = /^(?:urn:[A-Za-z0-9:._-]+:)?[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?$/i;

function fail(message: string): never {
  throw badRequest('invalidFilter', `Invalid filter: ${message}`);
}

/** Splits a filter into tokens; strings are JSON strings (RFC 7644 §3.4.2.2), escapes decoded. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) fail(`unterminated string at ${i + 1}`);
      try {
        tokens.push({ kind: 'value', value: JSON.parse(input.slice(i, j + 1)) as string, at: i });
      } catch {
        fail(`bad escape in the string at ${i + 1}`);
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !' \t\n\r()[]"'.includes(input[j]!)) j++;
      const text = input.slice(i, j);
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false')
        tokens.push({ kind: 'value', value: lower === 'true', at: i });
      else if (lower === 'null') tokens.push({ kind: 'value', value: null, at: i });
      else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text))
        tokens.push({ kind: 'value', value: Number(text), at: i });
      else tokens.push({ kind: 'word', text, at: i });
      i = j;
    }
  }
  tokens.push({ kind: 'end', at: input.length });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.kind === 'word' && t.text.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(kind: '(' | ')' | ']'): void {
    const t = this.next();
    if (t.kind !== kind) fail(`expected "${kind}" at ${t.at + 1}`);
  }

  private nest<T>(parse: () => T): T {
    // Refused as it is met, so parsing stays linear and the stack safe.
    if (++this.depth > this.maxDepth) fail(`nested deeper than ${this.maxDepth} levels`);
    const result = parse();
    this.depth--;
    return result;
  }

  /** filter := and-expression ("or" and-expression)* */
  parseOr(inValuePath: boolean): Filter {
    const filters = [this.parseAnd(inValuePath)];
    while (this.keyword('or')) filters.push(this.parseAnd(inValuePath));
    return filters.length === 1 ? filters[0]! : { op: 'or', filters };
  }

  private parseAnd(inValuePath: boolean): Filter {
    const filters = [this.parseUnary(inValuePath)];
    while (this.keyword('and')) filters.push(this.parseUnary(inValuePath));
    return filters.length === 1 ? filters[0]! : { op: 'and', filters };
  }

  private parseUnary(inValuePath: boolean): Filter {
    if (this.keyword('not')) {
      this.expect('(');
      const filter = this.nest(() => this.parseOr(inValuePath));
      this.expect(')');
      return { op: 'not', filter };
    }
    if (this.peek().kind === '(') {
      this.next();
      const filter = this.nest(() => this.parseOr(inValuePath));
      this.expect(')');
      return filter;
    }
    return this.parseAttribute(inValuePath);
  }

  private parseAttribute(inValuePath: boolean): Filter {
    const t = this.next();
    if (t.kind !== 'word') fail(`expected an attribute at ${t.at + 1}`);
    if (!ATTR_PATH.test(t.text)) fail(`"${t.text}" is not an attribute path`);
    const attrPath = t.text;
    if (this.peek().kind === '[') {
      if (inValuePath) fail('value paths cannot nest');
      this.next();
      const valFilter = this.nest(() => this.parseOr(true));
      this.expect(']');
      const bracketed: Filter = { op: '[]', attrPath, valFilter };
      // `emails[type eq "work"].value eq "x"`: not in RFC 7644's filter grammar, but sent by
      // clients; it means one email that matches both.
      const after = this.peek();
      if (after.kind === 'word' && after.text.startsWith('.')) {
        this.next();
        const sub = this.parseComparison(after.text.slice(1), after.at);
        return { op: '[]', attrPath, valFilter: { op: 'and', filters: [valFilter, sub] } };
      }
      return bracketed;
    }
    return this.parseComparison(attrPath, t.at);
  }

  private parseComparison(attrPath: string, at: number): Filter {
    if (!ATTR_PATH.test(attrPath)) fail(`"${attrPath}" is not an attribute path`);
    const opToken = this.next();
    if (opToken.kind !== 'word') fail(`expected an operator after ${attrPath} at ${at + 1}`);
    const op = opToken.text.toLowerCase();
    if (op === 'pr') return { op: 'pr', attrPath };
    if (!COMPARE_OPS.has(op)) fail(`unknown operator "${opToken.text}"`);
    const value = this.next();
    if (value.kind !== 'value') fail(`expected a value (string, number, true, false or null) after ${op}`);
    return { op: op as CompareOp, attrPath, compValue: value.value };
  }

  end(): void {
    const t = this.peek();
    if (t.kind !== 'end') fail(`unexpected "${t.kind === 'word' ? t.text : t.kind}" at ${t.at + 1}`);
  }
}

/**
 * Parses a SCIM filter, or throws a 400 `invalidFilter` ScimError saying where and
 * why. Longer filters are refused before parsing: no real client sends one.
 */
export function parseFilter(
  input: string,
  limits: { filterLength?: number; filterDepth?: number } = {},
): Filter {
  const maxLength = limits.filterLength ?? DEFAULT_LIMITS.filterLength;
  if (input.length > maxLength) fail(`longer than ${maxLength} characters`);
  if (!input.trim()) fail('empty');
  const parser = new Parser(tokenize(input), limits.filterDepth ?? DEFAULT_LIMITS.filterDepth);
  const filter = parser.parseOr(false);
  parser.end();
  return filter;
}
