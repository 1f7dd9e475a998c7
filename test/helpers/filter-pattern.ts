/*
 * The subset of CloudWatch Logs filter-pattern syntax the audit alarms use, evaluated on sample
 * log lines, so a test can show which lines an alarm counts. JSON patterns: `{ ... }` with
 * `$.field` compared by `=`, `!=`, `>=`, `>`, `<=`, `<` to a quoted string (`*` matches any
 * run of characters) or a number, joined by `&&` and `||` with parentheses. A comparison on a
 * field the line lacks never matches, `!=` included: the conservative reading of CloudWatch's
 * rules for missing selectors, and why the patterns only negate fields a line always has.
 * Space-delimited patterns: `[a, b = "x" || b = "y", c != "z*" && c != "w"]`.
 */

type Token = { kind: 'op' | 'paren' | 'field' | 'string' | 'number'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', value: c });
      i += 1;
    } else if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      tokens.push({ kind: 'op', value: text.slice(i, i + 2) });
      i += 2;
    } else if (/[!<>=]/.test(c)) {
      const op = /^(!=|>=|<=|=|>|<)/.exec(text.slice(i))?.[1];
      if (op === undefined) throw new Error(`bad operator at ${text.slice(i)}`);
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    } else if (c === '"') {
      let value = '';
      i += 1;
      while (i < text.length && text.charAt(i) !== '"') {
        if (text.charAt(i) === '\\') i += 1;
        value += text.charAt(i);
        i += 1;
      }
      if (i >= text.length) throw new Error(`unterminated string in ${text}`);
      i += 1;
      tokens.push({ kind: 'string', value });
    } else if (text.startsWith('$.', i)) {
      const name = /^\$\.([A-Za-z0-9_.]+)/.exec(text.slice(i))?.[1] ?? '';
      tokens.push({ kind: 'field', value: name });
      i += 2 + name.length;
    } else {
      const num = /^-?\d+(\.\d+)?/.exec(text.slice(i))?.[0];
      if (num === undefined) throw new Error(`unexpected "${text.slice(i)}"`);
      tokens.push({ kind: 'number', value: num });
      i += num.length;
    }
  }
  return tokens;
}

function glob(pattern: string, value: string): boolean {
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`, 's').test(value);
}

function compare(op: string, actual: unknown, expected: Token): boolean {
  if (actual === undefined || actual === null) return false;
  if (expected.kind === 'number') {
    const a = Number(actual);
    const e = Number(expected.value);
    if (Number.isNaN(a)) return false;
    return { '=': a === e, '!=': a !== e, '>=': a >= e, '>': a > e, '<=': a <= e, '<': a < e }[
      op
    ] as boolean;
  }
  const matched = glob(expected.value, String(actual));
  if (op === '=') return matched;
  if (op === '!=') return !matched;
  throw new Error(`operator ${op} on a string`);
}

/** True when the JSON filter pattern `pattern` matches the JSON log line `line`. */
export function matchesJsonPattern(pattern: string, line: Record<string, unknown>): boolean {
  const body = pattern.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) throw new Error(`not a JSON pattern: ${body}`);
  const tokens = tokenize(body.slice(1, -1));
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at];
    at += 1;
    if (token === undefined) throw new Error(`pattern ends early: ${pattern}`);
    return token;
  };
  /** `operand (op operand)*`, folded from the left; every operand is parsed, so none short-circuits. */
  const chain = (op: '||' | '&&', operand: () => boolean) => (): boolean => {
    let value = operand();
    while (peek()?.value === op) {
      next();
      const right = operand();
      value = op === '||' ? value || right : value && right;
    }
    return value;
  };
  const factor = (): boolean => {
    const token = next();
    if (token.value === '(') {
      const value = expr();
      if (next().value !== ')') throw new Error(`missing ) in ${pattern}`);
      return value;
    }
    if (token.kind !== 'field') throw new Error(`expected $.field, got ${token.value}`);
    const op = next();
    const expected = next();
    return compare(op.value, line[token.value], expected);
  };
  // `&&` binds tighter than `||`.
  const term = chain('&&', factor);
  const expr = chain('||', term);
  const result = expr();
  if (at !== tokens.length) throw new Error(`trailing tokens in ${pattern}`);
  return result;
}

/** True when the space-delimited pattern `[c1, c2 = "x" || c2 = "y", ...]` matches `line`. */
export function matchesSpaceDelimited(pattern: string, line: string): boolean {
  const columns = pattern.slice(1, -1).split(/,\s*/);
  const values = line.trim().split(/\s+/);
  if (columns.length !== values.length) return false;
  return columns.every((column, i) => {
    const value = values[i] ?? '';
    const test = (cond: string) => {
      const m = /^\w+ (!=|=) "(.*)"$/.exec(cond.trim());
      if (m === null) return true;
      return m[1] === '=' ? glob(m[2] ?? '', value) : !glob(m[2] ?? '', value);
    };
    return column.split(' || ').some((alt) => alt.split(' && ').every(test));
  });
}
