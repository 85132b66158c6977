import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { INFERENCE_PROTO_PATH, PROTO_LOADER_OPTIONS } from '../../src/grpc/index.js';

/**
 * A client of inference.GRPCInferenceService built from the repository's .proto with
 * @grpc/proto-loader and @grpc/grpc-js, as any V2 client is: no framing of our own.
 */
export interface InferenceClient {
  call<T = Record<string, unknown>>(rpc: string, request: object, metadata?: Record<string, string>): Promise<CallResult<T>>;
  close(): void;
}

export interface CallResult<T> {
  readonly response?: T;
  readonly error?: ServiceError;
  /** Initial metadata the server sent (x-request-id). */
  readonly header?: Metadata;
}

type ClientConstructor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client;

let constructorCache: ClientConstructor | undefined;
function serviceClient(): ClientConstructor {
  if (constructorCache) return constructorCache;
  const definition = loadPackageDefinition(loadSync(INFERENCE_PROTO_PATH, PROTO_LOADER_OPTIONS)) as unknown as {
    inference: { GRPCInferenceService: ClientConstructor };
  };
  constructorCache = definition.inference.GRPCInferenceService;
  return constructorCache;
}

export function inferenceClient(address: string): InferenceClient {
  const client = new (serviceClient())(address, credentials.createInsecure()) as Client &
    Record<
      string,
      (
        request: object,
        metadata: Metadata,
        callback: (error: ServiceError | null, response: unknown) => void,
      ) => { on(event: string, listener: (m: Metadata) => void): void }
    >;
  return {
    call: <T>(rpc: string, request: object, metadata: Record<string, string> = {}) =>
      new Promise<CallResult<T>>((resolve) => {
        const md = new Metadata();
        for (const [key, value] of Object.entries(metadata)) md.set(key, value);
        let header: Metadata | undefined;
        const call = client[rpc]!.call(client, request, md, (error, response) =>
          resolve(error ? { error, ...(header && { header }) } : { response: response as T, ...(header && { header }) }),
        );
        call.on('metadata', (m) => (header = m));
      }),
    close: () => client.close(),
  };
}

/** FP32 elements as raw contents: little-endian. */
export function rawFp32(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** BYTES elements as raw contents: each a 4-byte little-endian length, then its UTF-8 bytes. */
export function rawBytes(values: readonly string[]): Buffer {
  return Buffer.concat(
    values.flatMap((s) => {
      const bytes = Buffer.from(s, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
}

/** Raw FP32 output contents as float32 values. */
export function fromRawFp32(raw: Buffer): Float32Array {
  const out = new Float32Array(raw.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = raw.readFloatLE(i * 4);
  return out;
}
