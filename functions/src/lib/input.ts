import { z } from 'zod';
import { fail } from './errors';

const MAX_DEPTH = 6;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Rejects what a schema library would let through: objects whose prototype was set by the
 * caller (`{"__proto__": {...}}` arrives as a real prototype), ill-formed UTF-16 (passes zod,
 * then fails the Firestore write as `internal`), and deep nesting. Returns own-property copies.
 */
export function plainInput(value: unknown, path = 'data', depth = 0): unknown {
  if (depth > MAX_DEPTH) fail('invalid_input', `${path} is nested too deeply.`);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (!value.isWellFormed()) fail('invalid_input', `${path} contains ill-formed Unicode (a lone surrogate).`);
    return value;
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) fail('invalid_input', `${path} is not a plain array.`);
    return value.map((item, i) => plainInput(item, `${path}[${i}]`, depth + 1));
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail('invalid_input', `${path} is not a plain object.`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) fail('invalid_input', `${path} has a forbidden key "${key}".`);
      out[key] = plainInput((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    }
    return out;
  }
  return fail('invalid_input', `${path} has an unsupported type.`);
}

/** Parses untrusted callable data with a (strict) zod schema; every failure is invalid_input. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const plain = plainInput(data === undefined ? {} : data);
  const result = schema.safeParse(plain);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : 'data'}: ${i.message}`)
      .join('; ');
    fail('invalid_input', `Invalid request — ${issues}.`);
  }
  return result.data;
}

/** Firestore auto-ids and our consult ids: 20 characters of [A-Za-z0-9]. */
export const zConsultId = z.string().regex(/^[A-Za-z0-9]{20}$/, 'must be a consult id (20 letters and digits)');
