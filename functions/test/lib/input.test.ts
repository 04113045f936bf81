import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/lib/errors';
import { parseInput } from '../../src/lib/input';

const schema = z.strictObject({ consultId: z.string() });

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the input edge of every callable', () => {
  it('accepts a plain valid object', () => {
    expect(parseInput(schema, { consultId: 'a' }, JSON.parse('{"consultId":"a"}'))).toEqual({ consultId: 'a' });
  });

  it.each(['null', '1', '"x"', '{}', '{"consultId":"evil"}'])(
    'refuses a __proto__ key (value %s) that the decoded data no longer shows',
    (value) => {
      const raw = JSON.parse(`{"consultId":"a","__proto__":${value}}`);
      // What firebase-functions hands over: the key applied by assignment, so it is gone or became the prototype.
      const decoded: Record<string, unknown> = {};
      decoded['consultId'] = 'a';
      (decoded as { __proto__: unknown }).__proto__ = JSON.parse(value);
      const error = refusal(() => parseInput(schema, decoded, raw));
      expect(error.reason).toBe('invalid_input');
      expect(error.message).toContain('__proto__');
    },
  );

  it('refuses forbidden keys nested deep in the raw body', () => {
    const raw = JSON.parse('{"consultId":"a","x":[{"constructor":{}}]}');
    expect(refusal(() => parseInput(schema, { consultId: 'a', x: [{}] }, raw)).message).toContain('constructor');
  });

  it('refuses an object whose prototype was set to null', () => {
    const data = Object.assign(Object.create(null) as object, { consultId: 'a' });
    expect(refusal(() => parseInput(schema, data)).reason).toBe('invalid_input');
  });

  it('refuses a lone surrogate before it could fail a Firestore write', () => {
    expect(refusal(() => parseInput(schema, { consultId: 'a\ud800' })).message).toContain('ill-formed');
  });

  it('refuses deep nesting and unknown fields with a sentence', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(refusal(() => parseInput(schema, { consultId: 'a', deep })).reason).toBe('invalid_input');
    expect(refusal(() => parseInput(schema, { consultId: 'a', extra: 1 })).message).toMatch(/^Invalid request — /);
  });
});
