import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_STATUS, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';
import { REJECTION_REASONS } from '../../src/routes/error-handler.js';
import { parseExposition } from '../helpers/exposition.js';
import { startApp, type RunningApp } from '../helpers/app.js';

/**
 * Every response of the service, Fastify's and Node's own errors included, is the documented
 * `{error, message, field?}` with a catalogue code, the catalogue's status and a body of at most
 * MAX_ERROR_BODY_BYTES, whatever the input. Requests are written on a raw socket: a client library
 * would normalise the URL, refuse the header or encode the body.
 */

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Write `request` as is, half-close, and read the response until the server closes. */
function rawRequest(url: string, request: string | Buffer): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`));
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length']);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length) });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    // The server closes a connection it refused; what it answered before is the response.
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? finish() : reject(err)));
    socket.end(request);
  });
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n`;
const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
  const lines = Object.entries({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
};

/** The documented shape, and nothing bigger than the bound; returns the body. */
function expectErrorShape(response: RawResponse, code: ErrorCode) {
  const text = response.body.toString('utf8');
  expect(response.status, text).toBe(ERROR_STATUS[code]);
  expect(response.headers['content-type'], text).toMatch(/^application\/json/);
  expect(response.body.length, text.slice(0, 300)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(
    Object.keys(body).filter((k) => !['error', 'message', 'field'].includes(k)),
    text,
  ).toEqual([]);
  expect(body.error, text).toBe(code);
  expect(typeof body.message, text).toBe('string');
  if ('field' in body) expect(typeof body.field).toBe('string');
  return body as { error: string; message: string; field?: string };
}

const nestedProto = (depth: number) => `{"instances":[{"amount":${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}}]}`;

describe("the router's and Node's own errors, over a raw socket", () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('a URL whose percent-encoding is not UTF-8 -> 400 BAD_REQUEST, on routes with parameters and on unknown paths', async () => {
    for (const path of ['/drift/%E0%A4%A', '/drift/fraud-detection/%C0%AF%FF', '/nowhere/%E0%A4%A', '/predict%FF']) {
      const body = expectErrorShape(await rawRequest(service.url, get(path)), 'BAD_REQUEST');
      expect(body.message).toContain('percent-encoding');
    }
  });

  it('a 10 KB path parameter -> 414 URI_TOO_LONG echoing at most 64 characters of it', async () => {
    const long = 'a'.repeat(10_000);
    for (const path of [`/drift/${long}`, `/drift/${long}/v1.0`, `/drift/fraud-detection/${long}`]) {
      const body = expectErrorShape(await rawRequest(service.url, get(path)), 'URI_TOO_LONG');
      expect(body.message).not.toContain('a'.repeat(65));
    }
  });

  it('a 10 KB unknown path -> 404 NOT_FOUND within the bound', async () => {
    const body = expectErrorShape(await rawRequest(service.url, get(`/${'b'.repeat(10_000)}`)), 'NOT_FOUND');
    expect(body.message).toMatch(/^no route GET \/b+…$/);
    expect(body.message.length).toBeLessThan(200);
  });

  it('what Node refuses to parse -> 400 BAD_REQUEST or 431 HEADERS_TOO_LARGE in the same shape', async () => {
    expectErrorShape(await rawRequest(service.url, 'GET /a\u0001b HTTP/1.1\r\nHost: localhost\r\n\r\n'), 'BAD_REQUEST');
    expectErrorShape(await rawRequest(service.url, get('/health', `X-Bad: a\u0000b\r\n`)), 'BAD_REQUEST');
    expectErrorShape(await rawRequest(service.url, get('/health', `X-Big: ${'y'.repeat(20_000)}\r\n`)), 'HEADERS_TOO_LARGE');
    expectErrorShape(await rawRequest(service.url, get(`/${'p'.repeat(20_000)}`)), 'HEADERS_TOO_LARGE');
    // Content-Length and Transfer-Encoding together (request smuggling), and a body shorter than its Content-Length.
    const both =
      'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expectErrorShape(await rawRequest(service.url, both), 'BAD_REQUEST');
    const short =
      'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"features":{}}';
    expectErrorShape(await rawRequest(service.url, short), 'BAD_REQUEST');
  });
});

describe('bodies that produced oversized or misleading errors, over a raw socket', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('a "__proto__" key under 20,000 nested arrays -> 400 VALIDATION_ERROR naming both ends of the path, within the bound', async () => {
    const body = expectErrorShape(await rawRequest(service.url, post('/predict/batch', nestedProto(20_000))), 'VALIDATION_ERROR');
    expect(body.field).toMatch(/^instances\[0\]\.amount\[0\]/);
    expect(body.field).toMatch(/…(\[0\])+\.__proto__$/);
  });

  it('20,000 nested arrays as a feature, as a batch row and as the body -> 400 within the bound', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(
      expectErrorShape(await rawRequest(service.url, post('/predict', `{"features":{"amount":${deep}}}`)), 'INVALID_FEATURE_VALUE').field,
    ).toBe('features.amount');
    expectErrorShape(await rawRequest(service.url, post('/predict/batch', `{"instances":[${deep}]}`)), 'VALIDATION_ERROR');
    expectErrorShape(await rawRequest(service.url, post('/predict', deep)), 'VALIDATION_ERROR');
  });

  it('a body in a Content-Encoding the service does not decode -> 415 UNSUPPORTED_MEDIA_TYPE naming the encoding', async () => {
    const json = JSON.stringify({ features: { amount: 10 } });
    const cases: [string, Buffer | string][] = [
      ['gzip', gzipSync(json)],
      ['br', brotliCompressSync(json)],
      ['deflate', deflateSync(json)],
      ['x-foo', json],
      ['gzip, identity', gzipSync(json)],
      ['GZIP', gzipSync(json)],
      ['gzip', ''],
    ];
    for (const [encoding, payload] of cases) {
      const body = expectErrorShape(
        await rawRequest(service.url, post('/predict', payload, { 'content-encoding': encoding })),
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect(body.message).toBe(`Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`);
    }
    const long = expectErrorShape(
      await rawRequest(service.url, post('/predict', gzipSync(json), { 'content-encoding': `x-${'z'.repeat(8_000)}` })),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(long.message).toContain(`"x-${'z'.repeat(62)}…"`);
    expect(long.message).not.toContain('z'.repeat(63));
    // identity is no encoding at all.
    for (const encoding of ['identity', 'Identity', ' identity ']) {
      const ok = await rawRequest(service.url, post('/predict', json, { 'content-encoding': encoding }));
      expect(ok.status, ok.body.toString()).toBe(200);
    }
  });
});

describe('errors and metric series', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  const scrape = async () => parseExposition(await (await fetch(`${service.url}/metrics`)).text());

  /** One round of every kind of refused request; `n` varies the input so no two rounds send the same bytes. */
  const round = async (n: number) => {
    await rawRequest(service.url, get(`/drift/x${n}%FF`));
    await rawRequest(service.url, get(`/drift/${'a'.repeat(10_000 + n)}/v1.0`));
    await rawRequest(service.url, get(`/missing-${n}/${'b'.repeat(10_000)}`));
    await rawRequest(service.url, get('/health', `X-Big-${n}: ${'y'.repeat(20_000)}\r\n`));
    await rawRequest(service.url, `GET /a\u0001${n} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await rawRequest(service.url, post('/predict/batch', nestedProto(20_000 + n)));
    await rawRequest(
      service.url,
      post('/predict', gzipSync(`{"features":{"amount":${n}}}`), { 'content-encoding': ['gzip', 'br', `x-foo-${n}`][n % 3]! }),
    );
  };

  it('the refusals above are counted by their catalogue reason and create no series', async () => {
    await round(0);
    const first = await scrape();
    // The rejection reasons exported are exactly the closed set, each present from startup.
    expect(new Set(first.find('ml_requests_rejected_total').map((s) => s.labels['reason']))).toEqual(new Set(REJECTION_REASONS));
    const count = (reason: string, m = first) => m.value('ml_requests_rejected_total', { reason });
    expect(count('bad_request')).toBe(2);
    expect(count('uri_too_long')).toBe(1);
    expect(count('not_found')).toBe(1);
    expect(count('headers_too_large')).toBe(1);
    expect(count('validation_error')).toBe(1);
    expect(count('unsupported_media_type')).toBe(1);
    expect(count('malformed_json')).toBe(0);

    await scrape(); // the first scrape's own http series appears after it answered
    const before = (await scrape()).seriesIds();
    for (let n = 1; n <= 6; n++) await round(n);
    const after = await scrape();
    const fromRequests = (ids: Set<string>) => new Set([...ids].filter((id) => !id.startsWith('nodejs_gc_')));
    const beforeIds = fromRequests(before);
    expect([...fromRequests(after.seriesIds())].filter((id) => !beforeIds.has(id))).toEqual([]);
    expect(count('unsupported_media_type', after)).toBe(7);
    expect(count('bad_request', after)).toBe(14);
  });
});
