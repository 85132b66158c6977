import { setTimeout as sleep } from 'node:timers/promises';
import { status as Status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppOverrides } from '../../src/app.js';
import { SERVICE } from '../../src/app.js';
import type { LoadedModel, ModelRegistry } from '../../src/model/index.js';
import { spawnSync } from 'node:child_process';
import { postJson, sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';
import { binary, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { fromRawFp32, inferenceClient, rawBytes, rawFp32, type InferenceClient } from '../helpers/grpc-client.js';

const MODEL = 'fraud-detection';
const INFER = 'ModelInfer';

interface GrpcService extends RunningApp {
  readonly client: InferenceClient;
  readonly port: number;
}

async function startGrpc(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<GrpcService> {
  const running = await startApp({ GRPC_ENABLED: 'true', GRPC_PORT: '0', ...env }, overrides);
  const port = await running.app.grpc!.listen('127.0.0.1', 0);
  const client = inferenceClient(`127.0.0.1:${port}`);
  return {
    ...running,
    client,
    port,
    close: async () => {
      client.close();
      await running.close();
    },
  };
}

type Row = Record<string, number | string>;

/** A typed-contents input per feature, shape [N] (`shape2` for [N, 1]). */
function typedInputs(rows: readonly Row[], names: readonly string[], categorical: ReadonlySet<string>, shape2 = false) {
  return names.map((name) => {
    const shape = shape2 ? [rows.length, 1] : [rows.length];
    return categorical.has(name)
      ? { name, datatype: 'BYTES', shape, contents: { bytes_contents: rows.map((r) => Buffer.from(String(r[name]))) } }
      : { name, datatype: 'FP32', shape, contents: { fp32_contents: rows.map((r) => Number(r[name])) } };
  });
}

/** The same inputs as raw_input_contents (little-endian FP32, length-prefixed BYTES). */
function rawInputs(rows: readonly Row[], names: readonly string[], categorical: ReadonlySet<string>) {
  return {
    inputs: names.map((name) => ({ name, datatype: categorical.has(name) ? 'BYTES' : 'FP32', shape: [rows.length] })),
    raw_input_contents: names.map((name) =>
      categorical.has(name) ? rawBytes(rows.map((r) => String(r[name]))) : rawFp32(rows.map((r) => Number(r[name]))),
    ),
  };
}

interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; datatype: string; shape: number[]; contents: { fp32_contents: number[]; bytes_contents: Buffer[] } | null }[];
  raw_output_contents: Buffer[];
}

const bits = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

describe('gRPC (inference.GRPCInferenceService), a client built from the .proto', () => {
  let service: GrpcService;
  let model: LoadedModel;
  let names: string[];
  let categorical: Set<string>;
  beforeAll(async () => {
    model = (await sharedRegistry()).get(MODEL, 'v1.0')!;
    names = model.schema.features.map((f) => f.name);
    categorical = new Set(model.schema.features.filter((f) => f.type === 'categorical').map((f) => f.name));
  });
  afterEach(async () => service?.close());

  const example: Row = {
    amount: 182.4,
    age: 31,
    hour: 3,
    distance_from_home_km: 41.2,
    distance_from_last_transaction_km: 12.5,
    transactions_last_24h: 7,
    account_age_days: 40,
    ratio_to_median_purchase: 4.2,
    is_online: 1,
    used_pin: 0,
    merchant_category: 'electronics',
    card_type: 'prepaid',
  };

  it('ServerLive, ServerReady, ServerMetadata; ServerReady false once draining; x-request-id honoured or made', async () => {
    service = await startGrpc();
    const live = await service.client.call('ServerLive', {});
    expect(live.response).toEqual({ live: true });
    expect(live.header?.get('x-request-id')[0]).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await service.client.call('ServerLive', {}, { 'x-request-id': 'abc-123' });
    expect(echoed.header?.get('x-request-id')).toEqual(['abc-123']);
    expect((await service.client.call('ServerReady', {})).response).toEqual({ ready: true });
    expect((await service.client.call('ServerMetadata', {})).response).toEqual({
      name: SERVICE.name,
      version: SERVICE.version,
      extensions: [],
    });
    service.app.readiness.drain();
    expect((await service.client.call('ServerReady', {})).response).toEqual({ ready: false });
    expect((await service.client.call('ServerLive', {})).response).toEqual({ live: true });
    expect((await service.client.call('ModelReady', { name: MODEL, version: '' })).response).toEqual({ ready: false });
  });

  it('ModelReady and ModelMetadata: the loaded model (with or without version) vs NOT_FOUND; metadata equals GET /v2/models/{name}', async () => {
    service = await startGrpc();
    expect((await service.client.call('ModelReady', { name: MODEL, version: '' })).response).toEqual({ ready: true });
    expect((await service.client.call('ModelReady', { name: MODEL, version: 'v1.0' })).response).toEqual({ ready: true });
    for (const request of [
      { name: 'nope', version: '' },
      { name: MODEL, version: 'v9' },
    ]) {
      const { error } = await service.client.call('ModelReady', request);
      expect(error?.code).toBe(Status.NOT_FOUND);
      expect(error?.details).toContain('is not loaded');
      expect((await service.client.call('ModelMetadata', request)).error?.code).toBe(Status.NOT_FOUND);
    }
    expect((await service.client.call('ModelReady', { name: '', version: '' })).error?.code).toBe(Status.INVALID_ARGUMENT);

    const { response } = await service.client.call<Record<string, unknown>>('ModelMetadata', { name: MODEL, version: '' });
    expect(response).toMatchObject({ name: MODEL, versions: ['v1.0'], platform: 'onnx_onnxv1' });
    expect((response!['inputs'] as { name: string }[]).map((i) => i.name)).toEqual(names);
    expect(response!['inputs']).toContainEqual({ name: 'amount', datatype: 'FP32', shape: [-1, 1] });
    expect(response!['inputs']).toContainEqual({ name: 'card_type', datatype: 'BYTES', shape: [-1, 1] });
    const rest = await fetch(`${service.url}/v2/models/${MODEL}`);
    expect(rest.status).toBe(200);
    expect(response).toEqual(await rest.json());
  });

  it('ModelInfer with typed contents: the score and confidence /predict gives, bit for bit; the id echoed; [N, 1] shapes; outputs selection', async () => {
    service = await startGrpc();
    const predicted = await postJson(`${service.url}/predict`, { features: example });
    expect(predicted.status).toBe(200);
    const expected = predicted.json!['prediction'] as number;

    const { response, error } = await service.client.call<InferResponse>(INFER, {
      model_name: MODEL,
      id: 'req-42',
      inputs: typedInputs([example], names, categorical),
    });
    expect(error).toBeUndefined();
    expect(response).toMatchObject({ model_name: MODEL, model_version: 'v1.0', id: 'req-42', raw_output_contents: [] });
    expect(response!.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ['score', 'FP32', [1]],
      ['confidence', 'FP32', [1]],
      ['prediction_id', 'BYTES', [1]],
    ]);
    const [score, confidence, ids] = response!.outputs;
    expect(bits(score!.contents!.fp32_contents)).toEqual(bits([expected]));
    expect(bits(confidence!.contents!.fp32_contents)).toEqual(bits([Math.max(expected, 1 - expected)]));
    expect(ids!.contents!.bytes_contents[0]!.toString()).toMatch(/^p1\./);

    const selected = await service.client.call<InferResponse>(INFER, {
      model_name: MODEL,
      model_version: 'v1.0',
      inputs: typedInputs([example, example], names, categorical, true),
      outputs: [{ name: 'score' }],
    });
    expect(selected.response!.outputs.map((o) => o.name)).toEqual(['score']);
    expect(bits(selected.response!.outputs[0]!.contents!.fp32_contents)).toEqual(bits([expected, expected]));
    expect(selected.response!.id).toBe('');
  });

  it('ModelInfer with raw_input_contents (little-endian): answered with raw_output_contents, the same scores bit for bit', async () => {
    service = await startGrpc();
    const rows: Row[] = [
      example,
      { ...example, amount: 12.5, merchant_category: 'grocery', card_type: 'debit', is_online: 0, used_pin: 1 },
    ];
    const batch = await postJson(`${service.url}/predict/batch`, { instances: rows });
    const expected = (batch.json!['predictions'] as { prediction: number }[]).map((p) => p.prediction);
    const { response, error } = await service.client.call<InferResponse>(INFER, {
      model_name: MODEL,
      ...rawInputs(rows, names, categorical),
    });
    expect(error).toBeUndefined();
    expect(response!.outputs.map((o) => [o.name, o.shape, o.contents])).toEqual([
      ['score', [2], null],
      ['confidence', [2], null],
      ['prediction_id', [2], null],
    ]);
    expect(response!.raw_output_contents).toHaveLength(3);
    expect(bits(fromRawFp32(response!.raw_output_contents[0]!))).toEqual(bits(expected));
    // prediction_id: two length-prefixed strings.
    const ids = response!.raw_output_contents[2]!;
    const first = ids.readUInt32LE(0);
    expect(ids.toString('utf8', 4, 4 + first)).toMatch(/^p1\./);
  });

  it('a missing feature tensor is imputed from the schema, as /predict does', async () => {
    service = await startGrpc();
    const { amount, age } = example;
    const predicted = await postJson(`${service.url}/predict`, { features: { amount, age } });
    const { response } = await service.client.call<InferResponse>(INFER, {
      model_name: MODEL,
      inputs: typedInputs([{ amount: amount!, age: age! }], ['amount', 'age'], categorical),
      outputs: [{ name: 'score' }],
    });
    expect(bits(response!.outputs[0]!.contents!.fp32_contents)).toEqual(bits([predicted.json!['prediction'] as number]));
  });

  it('bad requests -> INVALID_ARGUMENT naming the input (details and ml-error-field), unknown model -> NOT_FOUND; counted as rejections, nothing scored', async () => {
    service = await startGrpc({ MAX_BATCH_SIZE: '5' });
    const one = typedInputs([example], names, categorical);
    const amount = one.find((i) => i.name === 'amount')!;
    const rest = one.filter((i) => i.name !== 'amount');
    const cases: [string, object, number, RegExp, string?][] = [
      [
        'wrong datatype',
        { inputs: [...rest, { ...amount, datatype: 'BYTES', contents: { bytes_contents: [Buffer.from('1')] } }] },
        Status.INVALID_ARGUMENT,
        /"amount"/,
        'inputs.amount',
      ],
      [
        'contents in the wrong field',
        { inputs: [...rest, { ...amount, contents: { fp64_contents: [1] } }] },
        Status.INVALID_ARGUMENT,
        /"amount".*fp32_contents/,
        'inputs.amount',
      ],
      [
        'element count',
        { inputs: [...rest, { ...amount, contents: { fp32_contents: [1, 2] } }] },
        Status.INVALID_ARGUMENT,
        /"amount"/,
        'inputs.amount',
      ],
      [
        'unknown input',
        { inputs: [...one, { name: 'colour', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }] },
        Status.INVALID_ARGUMENT,
        /"colour"/,
        'inputs.colour',
      ],
      [
        'shape [1, 2]',
        { inputs: [...rest, { ...amount, shape: [1, 2], contents: { fp32_contents: [1, 2] } }] },
        Status.INVALID_ARGUMENT,
        /"amount"/,
        'inputs.amount',
      ],
      [
        'unknown category',
        {
          inputs: [
            ...one.filter((i) => i.name !== 'card_type'),
            { name: 'card_type', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('gold')] } },
          ],
        },
        Status.INVALID_ARGUMENT,
        /"card_type".*"gold"/,
        'inputs.card_type',
      ],
      [
        'NaN',
        { inputs: [...rest, { ...amount, contents: { fp32_contents: [NaN] } }] },
        Status.INVALID_ARGUMENT,
        /"amount"/,
        'inputs.amount',
      ],
      [
        'raw length',
        { inputs: [{ name: 'amount', datatype: 'FP32', shape: [1] }], raw_input_contents: [Buffer.alloc(5)] },
        Status.INVALID_ARGUMENT,
        /"amount".*5 bytes/,
        'inputs.amount',
      ],
      [
        'raw count',
        { inputs: [{ name: 'amount', datatype: 'FP32', shape: [1] }], raw_input_contents: [rawFp32([1]), rawFp32([2])] },
        Status.INVALID_ARGUMENT,
        /raw_input_contents/,
        'raw_input_contents',
      ],
      [
        'raw and contents',
        { inputs: [amount], raw_input_contents: [rawFp32([1])] },
        Status.INVALID_ARGUMENT,
        /"amount".*one or the other/,
        'inputs.amount',
      ],
      [
        'too many rows',
        {
          inputs: typedInputs(
            Array.from({ length: 6 }, () => example),
            names,
            categorical,
          ),
        },
        Status.INVALID_ARGUMENT,
        /MAX_BATCH_SIZE/,
        'inputs',
      ],
      ['no inputs', { inputs: [] }, Status.INVALID_ARGUMENT, /at least one/, 'inputs'],
      ['unknown output', { inputs: one, outputs: [{ name: 'logits' }] }, Status.INVALID_ARGUMENT, /"logits"/, 'outputs[0].name'],
      ['unknown model', { model_name: 'nope', inputs: one }, Status.NOT_FOUND, /"nope" is not loaded/, 'model_name'],
      ['unknown version', { model_version: 'v2', inputs: one }, Status.NOT_FOUND, /version "v2"/, 'model_name'],
    ];
    for (const [what, request, code, details, field] of cases) {
      const { error } = await service.client.call(INFER, { model_name: MODEL, ...request });
      expect(error?.code, what).toBe(code);
      expect(error?.details, what).toMatch(details);
      if (field) expect(error?.metadata.get('ml-error-field'), what).toEqual([field]);
    }
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).not.toMatch(/ml_predictions_total\{[^}]*status="success"[^}]*\} [1-9]/);
    expect(text).toMatch(/ml_requests_rejected_total\{reason="model_not_found"\} 2/);
    expect(text).toMatch(
      /rpc_server_call_duration_seconds_count\{rpc_method="inference.GRPCInferenceService\/ModelInfer",rpc_status_code="INVALID_ARGUMENT"\} 13/,
    );
    expect(text).toMatch(
      /rpc_server_call_duration_seconds_count\{rpc_method="inference.GRPCInferenceService\/ModelInfer",rpc_status_code="NOT_FOUND"\} 2/,
    );
  });

  it('RED metrics: every RPC has its OK series from startup; calls land in (method, status); predictions counted by the same pipeline', async () => {
    service = await startGrpc();
    const before = await (await fetch(`${service.url}/metrics`)).text();
    for (const rpc of ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer']) {
      expect(before).toContain(
        `rpc_server_call_duration_seconds_count{rpc_method="inference.GRPCInferenceService/${rpc}",rpc_status_code="OK"} 0`,
      );
    }
    expect(before.match(/^rpc_server_call_duration_seconds_count/gm)).toHaveLength(6);
    await service.client.call(INFER, { model_name: MODEL, inputs: typedInputs([example, example, example], names, categorical) });
    await service.client.call('ServerLive', {});
    const after = await (await fetch(`${service.url}/metrics`)).text();
    expect(after).toContain(
      'rpc_server_call_duration_seconds_count{rpc_method="inference.GRPCInferenceService/ModelInfer",rpc_status_code="OK"} 1',
    );
    expect(after).toContain(
      'rpc_server_call_duration_seconds_count{rpc_method="inference.GRPCInferenceService/ServerLive",rpc_status_code="OK"} 1',
    );
    expect(after).toContain('ml_predictions_total{model_name="fraud-detection",model_version="v1.0",status="success"} 3');
  });

  it.runIf(hasBinary('promtool', PROMETHEUS_INSTALL))('promtool check metrics finds no problem with the rpc series in', async () => {
    service = await startGrpc();
    await service.client.call(INFER, { model_name: MODEL, inputs: typedInputs([example], names, categorical) });
    await service.client.call(INFER, { model_name: 'nope', inputs: [] });
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('rpc_status_code="NOT_FOUND"');
    const result = spawnSync(binary('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('without GRPC_ENABLED: no gRPC listener and no rpc series (the family is declared, empty)', async () => {
    const plain = await startApp();
    try {
      expect(plain.app.grpc).toBeUndefined();
      expect(await (await fetch(`${plain.url}/metrics`)).text()).not.toMatch(/^rpc_server_call_duration_seconds_/m);
    } finally {
      await plain.close();
    }
  });

  it('a message over BODY_LIMIT -> RESOURCE_EXHAUSTED from grpc-js, and the server keeps serving', async () => {
    service = await startGrpc({ BODY_LIMIT: '4096' });
    const { error } = await service.client.call(INFER, {
      model_name: MODEL,
      inputs: [{ name: 'amount', datatype: 'FP32', shape: [2000] }],
      raw_input_contents: [rawFp32(new Array<number>(2000).fill(1))],
    });
    expect(error?.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect((await service.client.call('ServerLive', {})).response).toEqual({ live: true });
  });
});

/** The embedded model with a scorer that takes `delayMs` longer: a call stays in flight that long. */
function slowRegistry(registry: ModelRegistry, delayMs: number): ModelRegistry {
  const models = registry.list().map((m): LoadedModel => ({
    ...m,
    scorer: {
      score: async (input, rows) => {
        await sleep(delayMs);
        return m.scorer.score(input, rows);
      },
      engine: m.scorer.engine,
      release: async () => {},
    },
  }));
  return {
    get: (name, version) => models.find((m) => m.name === name && m.version === version),
    latestVersion: (name) => registry.latestVersion(name),
    list: () => models,
    close: async () => {},
  };
}

describe('gRPC graceful shutdown (app.close(), as server.ts closes it)', () => {
  let registry: ModelRegistry;
  beforeAll(async () => {
    registry = slowRegistry(await sharedRegistry(), 400);
  });
  afterAll(() => undefined);

  const one = (model: LoadedModel) =>
    model.schema.features
      .filter((f) => f.type === 'numeric')
      .map((f) => ({ name: f.name, datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }));

  it('a call in flight when closing starts finishes OK; a new call is refused UNAVAILABLE; close resolves after the call', async () => {
    const service = await startGrpc({}, { registry });
    const model = registry.get(MODEL, 'v1.0')!;
    try {
      await service.client.call('ServerLive', {}); // connected
      const inFlight = service.client.call<InferResponse>(INFER, { model_name: MODEL, inputs: one(model), outputs: [{ name: 'score' }] });
      await sleep(100);
      let closed = false;
      const closing = service.app.close().then(() => (closed = true));
      await sleep(50);
      const lateClient = inferenceClient(`127.0.0.1:${service.port}`);
      const late = await lateClient.call('ServerLive', {});
      lateClient.close();
      expect(late.error?.code).toBe(Status.UNAVAILABLE);
      expect(closed).toBe(false);
      const { response, error } = await inFlight;
      expect(error).toBeUndefined();
      expect(response!.outputs[0]!.contents!.fp32_contents).toHaveLength(1);
      await closing;
      expect(closed).toBe(true);
    } finally {
      service.client.close();
    }
  });

  it('forceShutdown (past the close budget) ends a call in flight with an error status, and close resolves', async () => {
    const service = await startGrpc({}, { registry });
    const model = registry.get(MODEL, 'v1.0')!;
    try {
      await service.client.call('ServerLive', {});
      const inFlight = service.client.call(INFER, { model_name: MODEL, inputs: one(model) });
      await sleep(100);
      const closing = service.app.close();
      service.app.grpc!.forceShutdown();
      const { error } = await inFlight;
      expect([Status.CANCELLED, Status.UNAVAILABLE, Status.INTERNAL]).toContain(error?.code);
      await closing;
    } finally {
      service.client.close();
    }
  });
});

describe('property: V2 gRPC (typed and raw), V2 REST and /predict agree bit for bit; invalid tensors are refused naming the input', () => {
  let service: GrpcService;
  let model: LoadedModel;
  beforeAll(async () => {
    service = await startGrpc({ DRIFT_ENABLED: 'false' });
    model = (await sharedRegistry()).get(MODEL, 'v1.0')!;
  });
  afterAll(async () => service.close());

  const rowArbitrary = () => {
    const entries = model.schema.features.map((f) => {
      if (f.type === 'categorical') return [f.name, fc.constantFrom(...f.categories)] as const;
      const integer = (f as { integer?: boolean }).integer === true;
      return [
        f.name,
        integer ? fc.integer({ min: 0, max: 5000 }) : fc.double({ min: 0, max: 1e5, noNaN: true, noDefaultInfinity: true }),
      ] as const;
    });
    return fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<number | string>>);
  };

  it('random valid batches: the same float32 scores from all four paths', async () => {
    const names = model.schema.features.map((f) => f.name);
    const categorical = new Set(model.schema.features.filter((f) => f.type === 'categorical').map((f) => f.name));
    await fc.assert(
      fc.asyncProperty(fc.array(rowArbitrary(), { minLength: 1, maxLength: 8 }), async (rows) => {
        const predict = await postJson(`${service.url}/predict/batch`, { instances: rows });
        expect(predict.status).toBe(200);
        const expected = bits((predict.json!['predictions'] as { prediction: number }[]).map((p) => p.prediction));
        const typed = await service.client.call<InferResponse>(INFER, { model_name: MODEL, inputs: typedInputs(rows, names, categorical) });
        expect(bits(typed.response!.outputs[0]!.contents!.fp32_contents)).toEqual(expected);
        const raw = await service.client.call<InferResponse>(INFER, { model_name: MODEL, ...rawInputs(rows, names, categorical) });
        expect(bits(fromRawFp32(raw.response!.raw_output_contents[0]!))).toEqual(expected);
        const rest = await postJson(`${service.url}/v2/models/${MODEL}/infer`, {
          inputs: names.map((name) => ({
            name,
            datatype: categorical.has(name) ? 'BYTES' : 'FP32',
            shape: [rows.length],
            data: rows.map((r) => r[name]),
          })),
          outputs: [{ name: 'score' }],
        });
        expect(rest.status, rest.text).toBe(200);
        expect(bits((rest.json!['outputs'] as { data: number[] }[])[0]!.data)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('random invalid tensors: INVALID_ARGUMENT whose details and ml-error-field name the input; never INTERNAL', async () => {
    const numeric = model.schema.features.filter((f) => f.type === 'numeric').map((f) => f.name);
    const corruption = fc.oneof(
      fc.record({ kind: fc.constant('datatype'), datatype: fc.constantFrom('BYTES', 'FP16', 'BF16', 'STRING', '') }),
      fc.record({ kind: fc.constant('count'), extra: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('value'), value: fc.constantFrom(NaN, Infinity, -Infinity, 1e39) }),
      fc.record({ kind: fc.constant('shape'), shape: fc.constantFrom([1, 2], [1, 1, 1], [1, 3]) }),
      fc.record({ kind: fc.constant('raw'), bytes: fc.integer({ min: 0, max: 11 }).filter((n) => n !== 4) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...numeric), corruption, async (target, c) => {
        const inputs: Record<string, unknown>[] = numeric.map((name) => ({
          name,
          datatype: 'FP32',
          shape: [1],
          contents: { fp32_contents: [1] },
        }));
        const index = numeric.indexOf(target);
        const tensor = inputs[index]!;
        let raw: Buffer[] | undefined;
        switch (c.kind) {
          case 'datatype':
            tensor['datatype'] = c.datatype;
            if (c.datatype === 'BYTES') tensor['contents'] = { bytes_contents: [Buffer.from('x')] };
            break;
          case 'count':
            tensor['contents'] = { fp32_contents: new Array<number>(1 + c.extra).fill(1) };
            break;
          case 'value':
            tensor['contents'] = { fp64_contents: [c.value] };
            tensor['datatype'] = 'FP64';
            break;
          case 'shape':
            tensor['shape'] = c.shape;
            break;
          case 'raw':
            raw = inputs.map((_, i) => (i === index ? Buffer.alloc(c.bytes) : rawFp32([1])));
            for (const input of inputs) delete input['contents'];
            break;
        }
        const { error } = await service.client.call(INFER, { model_name: MODEL, inputs, ...(raw && { raw_input_contents: raw }) });
        expect(error?.code, JSON.stringify(c)).toBe(Status.INVALID_ARGUMENT);
        expect(error?.details).toContain(`"${target}"`);
        expect(error?.metadata.get('ml-error-field')).toEqual([`inputs.${target}`]);
      }),
      { numRuns: 150 },
    );
  });
});
