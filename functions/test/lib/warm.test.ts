import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fns from '../../src/index';
import { HOT_PATH_FUNCTIONS, warmOnStart } from '../../src/lib/warm';

type Endpoint = { minInstances?: unknown; callableTrigger?: unknown };
const endpointOf = (name: string) => (fns as unknown as Record<string, { __endpoint?: Endpoint }>)[name]?.__endpoint;

describe('the hot path: warm instances, connected as they start', () => {
  it('keeps an instance of exactly the hot-path callables warm, and production sets it to 1', () => {
    const callables = Object.keys(fns).filter((name) => endpointOf(name)?.callableTrigger);
    // The hot path names the HOT_PATH_MIN_INSTANCES param; the others reset it (scale to zero).
    const warm = callables.filter((name) => String(endpointOf(name)?.minInstances) === 'params.HOT_PATH_MIN_INSTANCES');
    expect(warm.sort()).toEqual([...HOT_PATH_FUNCTIONS].sort());
    const prod = readFileSync(path.resolve(import.meta.dirname, '../../.env.teleconsulta-prod'), 'utf8');
    expect(prod).toMatch(/^HOT_PATH_MIN_INSTANCES=1$/m);
  });

  it('connects to Firestore on start for a hot-path function only, and never while deploy reads the manifest', () => {
    expect(warmOnStart({})).toBeNull();
    expect(warmOnStart({ FUNCTION_TARGET: 'scheduleConsult' })).toBeNull();
    expect(warmOnStart({ FUNCTION_TARGET: 'admitPatient', FUNCTIONS_CONTROL_API: 'true' })).toBeNull();
  });
});
