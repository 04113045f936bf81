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
    // JSON never makes a null-prototype object: one here was set by a `"__proto__": null` key.
    if (Object.getPrototypeOf(value) !== Object.prototype) fail('invalid_input', `${path} is not a plain object.`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) fail('invalid_input', `${path} has a forbidden key "${key}".`);
      out[key] = plainInput((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    }
    return out;
  }
  return fail('invalid_input', `${path} has an unsupported type.`);
}

/**
 * The request body as JSON.parse left it keeps `__proto__` as an ordinary key, where the
 * decoded `request.data` has already lost a primitive or null one (`{"__proto__": 1}` simply
 * vanishes). So forbidden keys are looked for in the raw body too.
 */
export function assertNoForbiddenKeys(raw: unknown, path = 'data', depth = 0): void {
  if (raw === null || typeof raw !== 'object' || depth > MAX_DEPTH) return;
  for (const key of Object.keys(raw)) {
    if (FORBIDDEN_KEYS.has(key)) fail('invalid_input', `${path} has a forbidden key "${key}".`);
    assertNoForbiddenKeys((raw as Record<string, unknown>)[key], Array.isArray(raw) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
  }
}

/** Parses untrusted callable data with a (strict) zod schema; every failure is invalid_input. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, rawData?: unknown): z.infer<S> {
  assertNoForbiddenKeys(rawData);
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
