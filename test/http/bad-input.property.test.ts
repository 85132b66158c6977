import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_STATUS, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';
import { sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';

/**
 * Property: whatever malformed body a client sends, the service answers a 4xx JSON
 * {error, message} naming the field when there is one, with a catalogue code and its status, in at
 * most MAX_ERROR_BODY_BYTES, never a 500, and keeps serving.
 * Every generated case is bad by construction; its expected field (if any) comes with it.
 */

interface BadRequest {
  readonly kind: string;
  readonly path: '/predict' | '/predict/batch';
  readonly body: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** Exact `field` the error must name, when the fault is in one field. */
  readonly field?: string;
  readonly status?: number;
}

const registry = await sharedRegistry();
const schema = registry.get('fraud-detection', 'v1.0')!.schema;
const numeric = schema.features.filter((f) => f.type === 'numeric').map((f) => f.name);
const categorical = schema.features.flatMap((f) => (f.type === 'categorical' ? [f] : []));
const validValue = Object.fromEntries(schema.features.map((f) => [f.name, f.missing_value]));
const TOP_LEVEL = ['features', 'model_name', 'model_version'];

const anyString = fc.string({ unit: 'binary', maxLength: 40 });
const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const notANumber = fc.oneof(
  anyString,
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const notAString = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
/** Some valid features around the bad one, so the fault is not always alone. */
const validSubset = fc.subarray(schema.names as string[]).map((names) => Object.fromEntries(names.map((n) => [n, validValue[n]])));

const json = (path: BadRequest['path'], kind: string, value: unknown, field?: string): BadRequest => ({
  kind,
  path,
  body: JSON.stringify(value),
  ...(field !== undefined && { field }),
});

const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  // Wrong JSON type for a numeric feature: strings, null, booleans, arrays, objects.
  fc
    .tuple(validSubset, fc.constantFrom(...numeric), notANumber)
    .map(([rest, name, value]) => json('/predict', 'numeric-wrong-type', { features: { ...rest, [name]: value } }, `features.${name}`)),
  // Wrong JSON type for a categorical feature.
  fc
    .tuple(validSubset, fc.constantFrom(...categorical), notAString)
    .map(([rest, f, value]) =>
      json('/predict', 'categorical-wrong-type', { features: { ...rest, [f.name]: value } }, `features.${f.name}`),
    ),
  // A category the schema does not know.
  fc
    .tuple(validSubset, fc.constantFrom(...categorical), anyString)
    .filter(([, f, value]) => !f.categories.includes(value))
    .map(([rest, f, value]) => json('/predict', 'unknown-category', { features: { ...rest, [f.name]: value } }, `features.${f.name}`)),
  // A feature name the schema does not know (including "constructor", "toString", "", long names).
  fc
    .tuple(
      validSubset,
      fc.oneof(anyString, fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '')),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .filter(([, name]) => !schema.names.includes(name))
    .map(([rest, name, value]) =>
      json('/predict', 'unknown-feature', { features: { ...rest, [name]: value } }, `features.${name.slice(0, 64)}`),
    ),
  // Numbers that JSON.parse turns into ±Infinity, or that overflow float32.
  fc
    .tuple(
      fc.constantFrom(...numeric),
      fc.constantFrom('', '-'),
      fc.oneof(
        fc.integer({ min: 309, max: 99999 }).map((e) => `1e${e}`),
        fc.constantFrom('3.5e38', '1e39', '9.9e300'),
      ),
    )
    .map(([name, sign, literal]) => ({
      kind: 'non-finite',
      path: '/predict' as const,
      body: `{"features":{"${name}":${sign}${literal}}}`,
      field: `features.${name}`,
    })),
  // NaN / Infinity literals are not JSON at all.
  fc
    .tuple(fc.constantFrom(...numeric), fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '1_000'))
    .map(([name, literal]) => ({
      kind: 'non-json-number',
      path: '/predict' as const,
      body: `{"features":{"${name}":${literal}}}`,
    })),
  // Deep nesting where a number belongs, and as the whole body.
  fc.tuple(fc.constantFrom(...numeric), fc.integer({ min: 1, max: 200_000 })).map(([name, depth]) => ({
    kind: 'deep-nesting-in-feature',
    path: '/predict' as const,
    body: `{"features":{"${name}":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    field: `features.${name}`,
  })),
  fc
    .integer({ min: 1, max: 200_000 })
    .map((depth) => ({ kind: 'deep-nesting-body', path: '/predict' as const, body: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` })),
  // A body that is valid JSON but not an object; `features` that is not an object.
  fc
    .jsonValue()
    .filter((v) => !isPlainObject(v))
    .map((v) => json('/predict', 'body-not-object', v, '(body)')),
  fc
    .jsonValue()
    .filter((v) => !isPlainObject(v))
    .map((v) => json('/predict', 'features-not-object', { features: v }, 'features')),
  // A top-level field we do not know, or a missing `features`.
  fc
    .tuple(
      anyString.filter((k) => !TOP_LEVEL.includes(k)),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .map(([key, value]) => json('/predict', 'unknown-top-level-field', { features: {}, [key]: value }, key.slice(0, 64))),
  fc.constant(json('/predict', 'missing-features', { model_name: 'fraud-detection' }, 'features')),
  // model_name / model_version of the wrong type, empty, or naming nothing loaded (404).
  fc
    .tuple(fc.constantFrom('model_name', 'model_version'), notAString)
    .map(([key, value]) => json('/predict', 'selector-wrong-type', { features: {}, [key]: value }, key)),
  fc.constantFrom('model_name', 'model_version').map((key) => json('/predict', 'selector-empty', { features: {}, [key]: '' }, key)),
  anyString
    .filter((name) => name.length > 0 && name !== 'fraud-detection')
    .map((name) => ({ ...json('/predict', 'unknown-model', { features: {}, model_name: name }, 'model_name'), status: 404 })),
  // Text that is not JSON, or valid JSON cut short.
  anyString
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .map((body) => ({ kind: 'malformed-json', path: '/predict' as const, body })),
  fc
    .integer({ min: 1, max: 60 })
    .map((cut) => ({ kind: 'truncated-json', path: '/predict' as const, body: JSON.stringify({ features: validValue }).slice(0, -cut) })),
  // Prototype-pollution shapes, at any depth.
  fc
    .constantFrom(
      ['{"features":{},"__proto__":{"polluted":1}}', '__proto__'],
      ['{"features":{"__proto__":{"polluted":1}}}', 'features.__proto__'],
      ['{"features":{"constructor":{"prototype":{"polluted":1}}}}', 'features.constructor'],
      ['{"instances":[{},{"amount":[{"__proto__":1}]}]}', 'instances[1].amount[0].__proto__'],
    )
    .map(([body, field]) => ({
      kind: 'proto-pollution',
      path: body.includes('instances') ? ('/predict/batch' as const) : ('/predict' as const),
      body,
      field,
    })),
  // A "__proto__" key under thousands of levels: the field keeps both ends of the path, within the bound.
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 30, max: 50_000 })).map(([at, depth]) => ({
    kind: 'deep-proto-pollution',
    path: '/predict/batch' as const,
    body: `{"instances":[${'{},'.repeat(at)}{"amount":${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}}]}`,
    field: `instances[${at}].amount`,
  })),
  // Long keys full of characters JSON escapes six bytes each: echoed, they must stay within the bound.
  fc
    .tuple(fc.constantFrom('\\u0001', '\\"', '\\ud800', '😀', 'é'), fc.integer({ min: 100, max: 5000 }), fc.boolean())
    .map(([unit, n, topLevel]) => ({
      kind: 'long-escaped-key',
      path: '/predict' as const,
      body: topLevel ? `{"features":{},"${unit.repeat(n)}":1}` : `{"features":{"${unit.repeat(n)}":1}}`,
    })),
  // A good body in a content coding the service does not decode.
  fc
    .tuple(
      fc.constantFrom('gzip', 'br', 'deflate', 'compress', 'zstd', 'x-gzip', 'gzip, identity', 'identity, br'),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8000 })),
    )
    .map(([encoding, pad]) => ({
      kind: 'content-encoding',
      path: '/predict' as const,
      body: JSON.stringify({ features: {} }),
      contentEncoding: `${encoding}${'x'.repeat(pad)}`,
      status: 415,
    })),
  // Duplicate keys: the last one wins, and it is bad.
  fc.constantFrom(...numeric).map((name) => ({
    kind: 'duplicate-key',
    path: '/predict' as const,
    body: `{"features":{"${name}":1,"${name}":"x"}}`,
    field: `features.${name}`,
  })),
  // A good body under a content type we do not accept.
  fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'text/json',
    )
    .map((contentType) => ({
      kind: 'wrong-content-type',
      path: '/predict' as const,
      body: JSON.stringify({ features: {} }),
      contentType,
      status: 415,
    })),
  // Batches: not an array, rows that are not objects, a bad row somewhere, too many rows.
  fc
    .jsonValue()
    .filter((v) => !Array.isArray(v))
    .map((v) => json('/predict/batch', 'instances-not-array', { instances: v }, 'instances')),
  fc
    .tuple(
      fc.integer({ min: 0, max: 20 }),
      fc.jsonValue().filter((v) => !isPlainObject(v)),
    )
    .map(([at, row]) =>
      json('/predict/batch', 'row-not-object', { instances: [...Array.from({ length: at }, () => ({})), row] }, `instances[${at}]`),
    ),
  fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...numeric), notANumber)
    .map(([at, name, value]) =>
      json(
        '/predict/batch',
        'bad-row',
        { instances: [...Array.from({ length: at }, () => ({})), { [name]: value }] },
        `instances[${at}].${name}`,
      ),
    ),
  fc.integer({ min: 1001, max: 3000 }).map((rows) => ({
    ...json('/predict/batch', 'batch-too-large', { instances: Array.from({ length: rows }, () => ({})) }, 'instances'),
    status: 413,
  })),
);

describe('bad input over real HTTP (property-based)', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('1,500 generated bad bodies -> 4xx JSON {error, message} naming the field, a catalogue code with its status, at most 1 KB; never a 500; the service keeps serving', async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(badRequest, async (bad) => {
        kinds.set(bad.kind, (kinds.get(bad.kind) ?? 0) + 1);
        const response = await fetch(`${service.url}${bad.path}`, {
          method: 'POST',
          headers: {
            'content-type': bad.contentType ?? 'application/json',
            ...(bad.contentEncoding && { 'content-encoding': bad.contentEncoding }),
          },
          body: bad.body,
        });
        const text = await response.text();
        expect(response.status, `${bad.kind}: ${text}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${bad.kind}: ${text}`).toBeLessThan(500);
        if (bad.status !== undefined) expect(response.status, `${bad.kind}: ${text}`).toBe(bad.status);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(Buffer.byteLength(text), `${bad.kind}: ${text.slice(0, 300)}`).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
        const body = JSON.parse(text) as { error: unknown; message: unknown; field?: unknown };
        expect(Object.keys(body).filter((k) => !['error', 'message', 'field'].includes(k))).toEqual([]);
        expect(response.status, `${bad.kind}: ${text}`).toBe(ERROR_STATUS[body.error as ErrorCode]);
        expect(typeof body.message).toBe('string');
        // The error names the bad field, or a path inside it (e.g. a "__proto__" key nested in a bad value).
        if (bad.field !== undefined) {
          const field = String(body.field);
          const named = field === bad.field || field.startsWith(`${bad.field}.`) || field.startsWith(`${bad.field}[`);
          expect(named, `${bad.kind}: expected field ${bad.field}: ${text}`).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
    // Every family of bad input was exercised, not just the easy ones.
    expect(kinds.size).toBe(27);
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
  });

  it('a body over BODY_LIMIT -> 413, and the next request is served', async () => {
    const huge = JSON.stringify({ features: { amount: 1 }, pad: 'x'.repeat(1_100_000) });
    const res = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    const next = await fetch(`${service.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"features":{}}',
    });
    expect(next.status).toBe(200);
  });
});
