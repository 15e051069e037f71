import { GridError } from './errors.js';

/**
 * Tokens of the MATLAB subset that MATPOWER case files use. Whitespace matters inside matrix
 * literals (`[1 -2]` is two elements), so each token records whether space preceded it.
 */
export type TokenKind = 'number' | 'ident' | 'string' | 'punct' | 'newline';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value: number;
  readonly line: number;
  readonly spaceBefore: boolean;
}

const PUNCT2 = ['.*', './', '.^', '==', '~=', '<=', '>='];
const PUNCT1 = "=()[]{},;:+-*/^.'<>~&|";

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let space = true;
  const push = (kind: TokenKind, tokText: string, value = 0) => {
    tokens.push({ kind, text: tokText, value, line, spaceBefore: space });
    space = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      push('newline', '\n');
      line++;
      i++;
      space = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      space = true;
      continue;
    }
    if (text.startsWith('...', i)) {
      // Continuation: the statement goes on at the next line.
      while (i < text.length && text[i] !== '\n') i++;
      i++;
      line++;
      space = true;
      continue;
    }
    const numberMatch = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (numberMatch) {
      push('number', numberMatch[0], Number(numberMatch[0]));
      i += numberMatch[0].length;
      continue;
    }
    const identMatch = /^[A-Za-z_]\w*/.exec(text.slice(i, i + 128));
    if (identMatch) {
      push('ident', identMatch[0]);
      i += identMatch[0].length;
      continue;
    }
    if (ch === "'" && startsString(tokens, space)) {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length || text[j] === '\n') {
          throw new GridError('CASE_SYNTAX', `unterminated string on line ${line}`, { line });
        }
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      push('string', value);
      i = j + 1;
      continue;
    }
    if (ch === '%' && blockCommentStarts(text, i)) {
      // %{ ... %} on lines of their own: a block comment, which may nest.
      let depth = 0;
      while (i < text.length) {
        const end = text.indexOf('\n', i);
        const lineText = text.slice(i, end < 0 ? text.length : end).trim();
        if (lineText === '%{') depth++;
        else if (lineText === '%}') depth--;
        i = end < 0 ? text.length : end + 1;
        line++;
        if (depth === 0) break;
      }
      push('newline', '\n');
      space = true;
      continue;
    }
    if (ch === '%' || ch === '#') {
      // A comment runs to the end of the line; the newline itself still ends the statement.
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      push('punct', two);
      i += 2;
      continue;
    }
    if (PUNCT1.includes(ch)) {
      push('punct', ch);
      i++;
      continue;
    }
    throw new GridError('CASE_SYNTAX', `unexpected character '${ch}' on line ${line}`, { line, char: ch });
  }
  push('newline', '\n');
  return tokens;
}

/** A quote opens a string unless it follows a value directly, where MATLAB reads a transpose. */
function startsString(tokens: readonly Token[], space: boolean): boolean {
  const prev = tokens[tokens.length - 1];
  if (prev === undefined || prev.kind === 'newline') return true;
  if (prev.kind === 'number' || prev.kind === 'ident' || prev.kind === 'string') return space;
  return !(prev.text === ')' || prev.text === ']' || prev.text === '}' || prev.text === "'");
}

/** True when the `%` at `at` is a `%{` alone on its line (leading whitespace allowed). */
function blockCommentStarts(text: string, at: number): boolean {
  if (text[at + 1] !== '{') return false;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = text.indexOf('\n', at);
  return text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).trim() === '%{';
}
