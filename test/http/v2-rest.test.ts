import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCurl, shellWords } from '../helpers/curl.js';
import { postJson, sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';
import { poll } from '../helpers/poll.js';

const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};
const schema = (await sharedRegistry()).get('fraud-detection', 'v1.0')!.schema;
const MODEL = '/v2/models/fraud-detection';

/**
 * The specification's inference request example, verbatim (kserve/open-inference-protocol,
 * specification/protocol/inference_rest.md, "Inference Request Examples"), and its response.
 * Its model `mymodel` takes a UINT32 [2, 2] `input0` and a BOOL [3] `input1` (with one element
 * for three: the example is not self-consistent) and produces an FP32 [3, 2] `output0`.
 */
const SPEC_REQUEST = `{
  "id" : "42",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "data" : [ 1, 2, 3, 4 ]
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "data" : [ true ]
    }
  ],
  "outputs" : [
    {
      "name" : "output0"
    }
  ]
}`;
/** The example response as printed (it lacks a comma after "id": not JSON as it stands). */
const SPEC_RESPONSE = `{
  "id" : "42"
  "outputs" : [
    {
      "name" : "output0",
      "shape" : [ 3, 2 ],
      "datatype"  : "FP32",
      "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ]
    }
  ]
}`;

/**
 * The same request adapted to the embedded model, changing only what the model differs in: the
 * two inputs become two of its features with the example's datatypes (UINT32 for a count, BOOL
 * for a flag), shaped [N, 1] and [N] as this model's per-feature tensors are, and the output is
 * one this model produces.
 */
const ADAPTED_REQUEST = `{
  "id" : "42",
  "inputs" : [
    {
      "name" : "transactions_last_24h",
      "shape" : [ 2, 1 ],
      "datatype" : "UINT32",
      "data" : [ 1, 2 ]
    },
    {
      "name" : "is_online",
      "shape" : [ 2 ],
      "datatype" : "BOOL",
      "data" : [ true, false ]
    }
  ],
  "outputs" : [
    {
      "name" : "score"
    }
  ]
}`;

async function get(url: string) {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as Record<string, unknown> };
}

/** The protocol's error body: exactly one key, `error`, a string. */
function expectV2Error(body: Record<string, unknown> | undefined): string {
  expect(Object.keys(body ?? {})).toEqual(['error']);
  expect(typeof body!['error']).toBe('string');
  return body!['error'] as string;
}

interface Output {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}
const outputsOf = (body: Record<string, unknown> | undefined) => (body?.['outputs'] ?? []) as Output[];
const scoresOf = (body: Record<string, unknown> | undefined) => outputsOf(body).find((o) => o.name === 'score')!.data as number[];

async function predictScore(url: string, features: Record<string, unknown>): Promise<number> {
  const res = await postJson(`${url}/predict`, { features });
  expect(res.status, res.text).toBe(200);
  return res.json!['prediction'] as number;
}

describe('V2 REST: the specification examples', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('the example request, verbatim, to its model mymodel -> 404 with the error body (no such model here)', async () => {
    const res = await postJson(`${service.url}/v2/models/mymodel/infer`, SPEC_REQUEST);
    expect(res.status).toBe(404);
    expect(expectV2Error(res.json)).toContain('"mymodel"');
  });

  it('the example request, verbatim, to the embedded model -> 400 naming input0, which it does not have', async () => {
    const res = await postJson(`${service.url}${MODEL}/infer`, SPEC_REQUEST);
    expect(res.status).toBe(400);
    expect(expectV2Error(res.json)).toContain('input "input0"');
  });

  it('the example request adapted to the embedded model -> the example response: id 42, only the requested output', async () => {
    const res = await postJson(`${service.url}${MODEL}/infer`, ADAPTED_REQUEST);
    expect(res.status, res.text).toBe(200);
    const body = res.json!;
    // The example response's fields, plus model_name and model_version (required in $inference_response).
    expect(Object.keys(body).sort()).toEqual(['id', 'model_name', 'model_version', 'outputs']);
    expect(body['id']).toBe('42');
    expect(body['model_name']).toBe('fraud-detection');
    expect(body['model_version']).toBe('v1.0');
    const example = JSON.parse(SPEC_RESPONSE.replace('"42"\n', '"42",\n')) as { outputs: Output[] };
    const outputs = outputsOf(body);
    expect(outputs).toHaveLength(example.outputs.length);
    expect(Object.keys(outputs[0]!)).toEqual(Object.keys(example.outputs[0]!));
    expect(outputs[0]).toMatchObject({ name: 'score', shape: [2], datatype: 'FP32' });
    expect(outputs[0]!.data).toEqual([
      await predictScore(service.url, { transactions_last_24h: 1, is_online: 1 }),
      await predictScore(service.url, { transactions_last_24h: 2, is_online: 0 }),
    ]);
  });

  it('tensor data in its natural nested form and flattened give the same result (the Tensor Data example)', async () => {
    const request = (data: unknown[]) => ({
      inputs: [
        { name: 'amount', shape: [2, 1], datatype: 'FP32', data },
        { name: 'card_type', shape: [2, 1], datatype: 'BYTES', data: [['credit'], ['prepaid']] },
      ],
    });
    const nested = await postJson(`${service.url}${MODEL}/infer`, request([[1], [4]]));
    const flat = await postJson(`${service.url}${MODEL}/infer`, request([1, 4]));
    expect(nested.status, nested.text).toBe(200);
    expect(scoresOf(nested.json)).toEqual(scoresOf(flat.json));
  });
});

describe('V2 REST: health and metadata', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('GET /v2/health/live -> 200 {"live": true}', async () => {
    const res = await get(`${service.url}/v2/health/live`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ live: true });
  });

  it('GET /v2/health/ready -> 200 {"ready": true}; draining -> 503 {"ready": false}', async () => {
    expect(await get(`${service.url}/v2/health/ready`)).toMatchObject({ status: 200, json: { ready: true } });
    service.app.readiness.drain();
    expect(await get(`${service.url}/v2/health/ready`)).toMatchObject({ status: 503, json: { ready: false } });
  });

  it('GET /v2/models/{name}[/versions/{version}]/ready -> 200 {"name", "ready": true}; unknown -> 404; draining -> 503', async () => {
    const ready = { status: 200, json: { name: 'fraud-detection', ready: true } };
    expect(await get(`${service.url}${MODEL}/ready`)).toMatchObject(ready);
    expect(await get(`${service.url}${MODEL}/versions/v1.0/ready`)).toMatchObject(ready);
    const unknown = await get(`${service.url}/v2/models/nope/ready`);
    expect(unknown.status).toBe(404);
    expect(expectV2Error(unknown.json)).toContain('"nope"');
    const version = await get(`${service.url}${MODEL}/versions/v9/ready`);
    expect(version.status).toBe(404);
    expect(expectV2Error(version.json)).toContain('"v9"');
    service.app.readiness.drain();
    expect(await get(`${service.url}${MODEL}/ready`)).toMatchObject({ status: 503, json: { name: 'fraud-detection', ready: false } });
  });

  it('GET /v2 and /v2/ -> server metadata: the package name and version, no extensions', async () => {
    for (const path of ['/v2', '/v2/']) {
      const res = await get(`${service.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ name: packageJson.name, version: packageJson.version, extensions: [] });
    }
  });

  it('GET /v2/models/{name}[/versions/{version}] -> onnx_onnxv1, one input per feature, the three outputs', async () => {
    const expected = {
      name: 'fraud-detection',
      versions: ['v1.0'],
      platform: 'onnx_onnxv1',
      inputs: schema.features.map((f) => ({ name: f.name, datatype: f.type === 'numeric' ? 'FP32' : 'BYTES', shape: [-1, 1] })),
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [-1] },
        { name: 'confidence', datatype: 'FP32', shape: [-1] },
        { name: 'prediction_id', datatype: 'BYTES', shape: [-1] },
      ],
    };
    expect(await get(`${service.url}${MODEL}`)).toMatchObject({ status: 200, json: expected });
    expect(await get(`${service.url}${MODEL}/versions/v1.0`)).toMatchObject({ status: 200, json: expected });
    const unknown = await get(`${service.url}${MODEL}/versions/v2.0`);
    expect(unknown.status).toBe(404);
    expectV2Error(unknown.json);
  });
});

describe('V2 REST: inference', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp({ MAX_BATCH_SIZE: '50' });
  });
  afterEach(() => service.close());

  const full = {
    amount: 900,
    age: 23,
    hour: 3,
    distance_from_home_km: 400,
    distance_from_last_transaction_km: 380,
    transactions_last_24h: 9,
    account_age_days: 3,
    ratio_to_median_purchase: 12,
    is_online: 1,
    used_pin: 0,
    merchant_category: 'electronics',
    card_type: 'prepaid',
  };
  const tensorsOf = (row: Record<string, number | string>) =>
    Object.entries(row).map(([name, value]) => ({
      name,
      shape: [1],
      datatype: typeof value === 'string' ? 'BYTES' : 'FP32',
      data: [value],
    }));

  it('without outputs -> score, confidence and prediction_id for every row; the id is accepted by POST /feedback', async () => {
    const res = await postJson(`${service.url}${MODEL}/versions/v1.0/infer`, {
      inputs: tensorsOf(full),
      parameters: { note: 'x', n: 1, b: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json!['id']).toBeUndefined();
    const [score, confidence, id] = outputsOf(res.json);
    const p = await predictScore(service.url, full);
    expect(score).toEqual({ name: 'score', datatype: 'FP32', shape: [1], data: [p] });
    expect(confidence).toEqual({ name: 'confidence', datatype: 'FP32', shape: [1], data: [Math.fround(Math.max(p, 1 - p))] });
    expect(id).toMatchObject({ name: 'prediction_id', datatype: 'BYTES', shape: [1] });
    expect(id!.data[0]).toMatch(/^p1\.[A-Za-z0-9_-]{50}$/);
    const feedback = await postJson(`${service.url}/feedback`, { prediction_id: id!.data[0], label: 1 });
    expect(feedback.status, feedback.text).toBe(200);
  });

  it('honours the outputs asked for, in their order, and echoes the id', async () => {
    const res = await postJson(`${service.url}${MODEL}/infer`, {
      id: 'req-7',
      inputs: tensorsOf({ amount: 42.5 }),
      outputs: [{ name: 'confidence' }, { name: 'score', parameters: { binary_data: false } }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json!['id']).toBe('req-7');
    expect(outputsOf(res.json).map((o) => o.name)).toEqual(['confidence', 'score']);
  });

  it('features without a tensor are imputed; FP64 and INT64 numeric tensors score as FP32 ones', async () => {
    const fp32 = await postJson(`${service.url}${MODEL}/infer`, {
      inputs: [{ name: 'age', shape: [2], datatype: 'FP32', data: [35, 61] }],
    });
    const fp64 = await postJson(`${service.url}${MODEL}/infer`, {
      inputs: [{ name: 'age', shape: [2], datatype: 'FP64', data: [35, 61] }],
    });
    const int64 = await postJson(`${service.url}${MODEL}/infer`, {
      inputs: [{ name: 'age', shape: [2, 1], datatype: 'INT64', data: [35, 61] }],
    });
    expect(scoresOf(fp32.json)).toEqual([await predictScore(service.url, { age: 35 }), await predictScore(service.url, { age: 61 })]);
    expect(scoresOf(fp64.json)).toEqual(scoresOf(fp32.json));
    expect(scoresOf(int64.json)).toEqual(scoresOf(fp32.json));
  });

  it.each([
    ['an unknown input', [{ name: 'colour', shape: [1], datatype: 'FP32', data: [1] }], 'colour', 'not an input'],
    ['a repeated input', [...tensorsOf({ age: 1 }), ...tensorsOf({ age: 2 })], 'age', 'given twice'],
    ['BYTES for a numeric feature', [{ name: 'amount', shape: [1], datatype: 'BYTES', data: ['1'] }], 'amount', 'datatype'],
    ['FP32 for a categorical feature', [{ name: 'card_type', shape: [1], datatype: 'FP32', data: [1] }], 'card_type', 'BYTES'],
    ['an unknown datatype', [{ name: 'amount', shape: [1], datatype: 'FLOAT', data: [1] }], 'amount', 'datatype'],
    ['shape [1, 2]', [{ name: 'amount', shape: [1, 2], datatype: 'FP32', data: [1, 2] }], 'amount', 'shape'],
    ['a negative dimension', [{ name: 'amount', shape: [-1], datatype: 'FP32', data: [1] }], 'amount', 'shape'],
    ['a non-integer dimension', [{ name: 'amount', shape: [1.5], datatype: 'FP32', data: [1] }], 'amount', 'shape'],
    ['too few elements', [{ name: 'amount', shape: [3], datatype: 'FP32', data: [1, 2] }], 'amount', 'elements'],
    ['a string element', [{ name: 'amount', shape: [1], datatype: 'FP32', data: ['1'] }], 'amount', 'must be a number'],
    ['a value beyond float32', [{ name: 'amount', shape: [1], datatype: 'FP32', data: [1e39] }], 'amount', '3.4e38'],
    ['an integer outside UINT8', [{ name: 'age', shape: [1], datatype: 'UINT8', data: [300] }], 'age', 'UINT8'],
    ['an unknown category', [{ name: 'card_type', shape: [1], datatype: 'BYTES', data: ['gold'] }], 'card_type', 'gold'],
    [
      'batch sizes that differ',
      [
        { name: 'amount', shape: [2], datatype: 'FP32', data: [1, 2] },
        { name: 'age', shape: [1], datatype: 'FP32', data: [1] },
      ],
      'age',
      'batch dimension',
    ],
    ['an empty batch', [{ name: 'amount', shape: [0], datatype: 'FP32', data: [] }], 'amount', 'at least 1'],
  ])('%s -> 400 naming the input', async (_what, inputs, name, words) => {
    const res = await postJson(`${service.url}${MODEL}/infer`, { inputs });
    expect(res.status, res.text).toBe(400);
    const message = expectV2Error(res.json);
    expect(message).toContain(`"${name}"`);
    expect(message).toContain(words);
  });

  it('errors of the request itself -> the protocol error body with the catalogue status', async () => {
    const cases: [unknown, number, string][] = [
      ['{"inputs": [', 400, 'malformed JSON'],
      [{}, 400, 'inputs is required'],
      [{ inputs: [] }, 400, 'at least one tensor'],
      [{ inputs: tensorsOf({ amount: 1 }), outputs: [{ name: 'probability' }] }, 400, 'unknown output "probability"'],
      [{ inputs: tensorsOf({ amount: 1 }), extra: 1 }, 400, 'unknown field "extra"'],
      [{ inputs: tensorsOf({ amount: 1 }), parameters: { nested: { a: 1 } } }, 400, 'parameters.nested'],
      [{ inputs: [{ name: 'amount', shape: [51], datatype: 'FP32', data: Array(51).fill(1) }] }, 413, 'MAX_BATCH_SIZE'],
    ];
    for (const [body, status, words] of cases) {
      const res = await postJson(`${service.url}${MODEL}/infer`, body);
      expect(res.status, res.text).toBe(status);
      expect(expectV2Error(res.json)).toContain(words);
    }
    const unsupported = await postJson(`${service.url}${MODEL}/infer`, '{}', { 'content-type': 'text/plain' });
    expect(unsupported.status).toBe(415);
    expectV2Error(unsupported.json);
    const noRoute = await get(`${service.url}/v2/models/fraud-detection/explain`);
    expect(noRoute.status).toBe(404);
    expectV2Error(noRoute.json);
  });

  it("what the router refuses before a /v2 route runs keeps the catalogue's shape (README: the one exception)", async () => {
    const long = await get(`${service.url}/v2/models/${'m'.repeat(101)}/ready`);
    expect(long.status).toBe(414);
    expect(long.json).toMatchObject({ error: 'URI_TOO_LONG' });
  });

  it('request strings never become metric series: route templates and rejection reasons only', async () => {
    await postJson(`${service.url}/v2/models/zz-model-zz/infer`, { inputs: tensorsOf({ amount: 1 }) });
    await postJson(`${service.url}${MODEL}/infer`, { inputs: [{ name: 'zz_input_zz', shape: [1], datatype: 'FP32', data: [1] }] });
    await postJson(`${service.url}${MODEL}/infer`, { inputs: tensorsOf({ amount: 1 }) });
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).not.toContain('zz');
    expect(text).toContain('http_route="/v2/models/:model_name/infer"');
    expect(text).toMatch(/ml_requests_rejected_total\{reason="invalid_tensor"\} 1/);
    expect(text).toMatch(/ml_requests_rejected_total\{reason="model_not_found"\} 1/);
    expect(text).toMatch(/ml_predictions_total\{model_name="fraud-detection",model_version="v1.0",status="success"\} 1/);
  });
});

describe('V2 REST under load shedding', () => {
  let service: RunningApp;
  afterEach(() => service.close());

  it('heap over the limit -> V2 inference 503 with Retry-After in the protocol error body; probes and metadata still answer', async () => {
    // One millionth of the heap limit: always exceeded (as test/http/load-shedding.test.ts).
    service = await startApp({ LOAD_SHED_MAX_HEAP_USED_RATIO: '0.000001', LOAD_SHED_RETRY_AFTER_SECONDS: '3' });
    await poll(() => service.app.memoryUsage().heapUsed > 0, { deadlineMs: 20_000, what: 'an under-pressure sample' });
    const shed = await postJson(`${service.url}${MODEL}/infer`, { inputs: [{ name: 'amount', shape: [1], datatype: 'FP32', data: [1] }] });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('3');
    expect(expectV2Error(shed.json)).toMatch(/^overloaded \(heap in use/);
    for (const path of [
      '/v2',
      '/v2/health/live',
      '/v2/health/ready',
      `${MODEL}/ready`,
      `${MODEL}/versions/v1.0/ready`,
      MODEL,
      `${MODEL}/versions/v1.0`,
    ]) {
      expect((await fetch(`${service.url}${path}`)).status, path).toBe(200);
    }
  });
});

describe('V2 REST against /predict (property)', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  const categorical = schema.features.flatMap((f) => (f.type === 'categorical' ? [{ name: f.name, categories: f.categories }] : []));
  const valueOf = (name: string): fc.Arbitrary<string | number> =>
    categorical.find((c) => c.name === name)
      ? fc.constantFrom(...categorical.find((c) => c.name === name)!.categories)
      : fc.oneof(fc.integer({ min: -1000, max: 100_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
  /** Rows giving the same subset of features (a V2 request has one tensor per feature for all its rows). */
  const request = fc
    .record({
      names: fc.subarray(schema.names as string[], { minLength: 1 }),
      rows: fc.integer({ min: 1, max: 8 }),
      column: fc.boolean(),
      fp64: fc.boolean(),
    })
    .chain(({ names, rows, column, fp64 }) =>
      fc.record({
        names: fc.constant(names),
        column: fc.constant(column),
        fp64: fc.constant(fp64),
        values: fc.tuple(...names.map((name) => fc.array(valueOf(name), { minLength: rows, maxLength: rows }))),
      }),
    );

  it('for random valid rows, V2 infer and /predict return the same scores, bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ names, column, fp64, values }) => {
        const rows = values[0]!.length;
        const inputs = names.map((name, i) => {
          const isCategorical = categorical.some((c) => c.name === name);
          return {
            name,
            shape: column ? [rows, 1] : [rows],
            datatype: isCategorical ? 'BYTES' : fp64 ? 'FP64' : 'FP32',
            data: values[i]!,
          };
        });
        const v2 = await postJson(`${service.url}${MODEL}/infer`, { inputs, outputs: [{ name: 'score' }] });
        expect(v2.status, v2.text).toBe(200);
        const scores = scoresOf(v2.json);
        for (let r = 0; r < rows; r++) {
          const features = Object.fromEntries(names.map((name, i) => [name, values[i]![r]]));
          expect(Object.is(scores[r], await predictScore(service.url, features))).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  /** A valid one-row request with one of its inputs spoilt; the error must name that input. */
  const spoilt = fc
    .record({
      target: fc.constantFrom(...schema.names),
      how: fc.constantFrom('datatype', 'shape', 'count', 'value', 'name'),
      junk: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null), fc.boolean(), fc.constant(1e39), fc.constant({})),
    })
    .map(({ target, how, junk }) => {
      const isCategorical = categorical.some((c) => c.name === target);
      const tensor = {
        name: target,
        shape: [1] as unknown[],
        datatype: isCategorical ? 'BYTES' : 'FP32',
        data: [isCategorical ? categorical.find((c) => c.name === target)!.categories[0] : 1] as unknown[],
      };
      let named = target;
      switch (how) {
        case 'datatype':
          tensor.datatype = isCategorical ? 'FP32' : 'BYTES';
          break;
        case 'shape':
          tensor.shape = [1, 2];
          break;
        case 'count':
          tensor.data = [tensor.data[0], tensor.data[0]];
          break;
        case 'value':
          tensor.data = [
            isCategorical ? (typeof junk === 'string' ? `not-${junk}` : junk) : typeof junk === 'string' ? junk : (junk ?? 'x'),
          ];
          break;
        case 'name':
          named = `${target}_x`;
          tensor.name = named;
          break;
      }
      return { tensor, named };
    });

  it('random invalid tensors get 400 with the error body naming the input', async () => {
    await fc.assert(
      fc.asyncProperty(spoilt, async ({ tensor, named }) => {
        const res = await postJson(`${service.url}${MODEL}/infer`, {
          inputs: [{ name: 'age', shape: [1], datatype: 'FP32', data: [40] }, tensor].filter((t, i) => i === 1 || t.name !== tensor.name),
        });
        expect(res.status, res.text).toBe(400);
        expect(expectV2Error(res.json)).toContain(JSON.stringify(named));
      }),
      { numRuns: 60 },
    );
  });
});

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

describe("the README's V2 curl examples", () => {
  const start = readme.indexOf('## V2 / Open Inference Protocol');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const commands = [...section.matchAll(/```bash\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split(/\n(?=curl )/))
    .map((c) => c.trim())
    .filter((c) => c.startsWith('curl '));

  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('finds them', () => {
    expect(start).toBeGreaterThan(0);
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it('the documented answer to the inference example is the actual answer, but for the prediction ids', async () => {
    const documented = [...section.matchAll(/```json\n([\s\S]*?)```/g)][0]![1]!.trim();
    const curl = parseCurl(shellWords(commands.find((c) => c.includes('/infer'))!));
    const response = await fetch(curl.url.replace('http://localhost:8000', service.url), {
      method: curl.method,
      headers: curl.headers,
      body: curl.body!,
    });
    const id = /"p1\.[A-Za-z0-9_-]{50}"/g;
    const actual = await response.text();
    expect(documented.match(id)).toHaveLength(2);
    expect(actual.replace(id, '""')).toBe(documented.replace(id, '""'));
  });

  it.each(commands.map((c, i) => [i, c] as const))('example %i answers 200 with JSON', async (_i, command) => {
    const curl = parseCurl(shellWords(command));
    expect(curl.url.startsWith('http://localhost:8000/v2')).toBe(true);
    const response = await fetch(curl.url.replace('http://localhost:8000', service.url), {
      method: curl.method,
      headers: curl.headers,
      ...(curl.body !== undefined && { body: curl.body }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
