import { describe, expect, it } from 'vitest';
import { messageOf, UserError } from '../../lib/errors.js';
import { parseJsonOr } from '../../lib/json.js';

describe('parseJsonOr', () => {
  it('returns the parsed value of JSON text', () => {
    expect(parseJsonOr('{"a": [1, null, "x"]}', () => new Error('unused'))).toEqual({
      a: [1, null, 'x'],
    });
  });

  it("throws the reader's own error, built from the parser's message", () => {
    const parse = () => parseJsonOr('{"a": ', (detail) => new UserError(`policy.json: ${detail}`));
    expect(parse).toThrow(UserError);
    // The detail is JSON.parse's own wording, so the user sees where the text broke.
    expect(parse).toThrow(/^policy\.json: .*JSON/);
  });
});

describe('messageOf', () => {
  it("is an Error's message and any other thrown value as text", () => {
    expect(messageOf(new TypeError('bad port'))).toBe('bad port');
    expect(messageOf('plain string')).toBe('plain string');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
