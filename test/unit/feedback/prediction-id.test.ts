import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPredictionIdCodec,
  modelIdOf,
  PREDICTION_ID_LENGTH,
  PREDICTION_ID_PREFIX,
  type VerifyResult,
} from '../../../src/feedback/prediction-id.js';

const keyA = Buffer.alloc(32, 'a');
const keyB = Buffer.alloc(48, 'b');
const model = modelIdOf('fraud-detection', 'v1.0');

const decode = (id: string) => Buffer.from(id.slice(PREDICTION_ID_PREFIX.length), 'base64url');
const encode = (bytes: Buffer) => PREDICTION_ID_PREFIX + bytes.toString('base64url');

describe('prediction ids', () => {
  it('round-trip model, float32 score and time through any codec that holds the key', () => {
    const issuer = createPredictionIdCodec([keyA]);
    // Another process (replica) with the same key: a different unique part, the same verdicts.
    const verifier = createPredictionIdCodec([keyA]);
    fc.assert(
      fc.property(fc.float({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 0xffffffff }), (score, issuedAt) => {
        const id = issuer.issue(model, score, issuedAt);
        expect(id).toHaveLength(PREDICTION_ID_LENGTH);
        expect(verifier.verify(id)).toEqual({ ok: true, id: { modelId: model, score: Math.fround(score), issuedAt } });
      }),
    );
  });

  it('the layout: version, key id, the signed block in clear, its AES-256 tag under the HKDF-derived key', () => {
    const id = createPredictionIdCodec([keyA]).issue(model, 0.5, 1_700_000_000);
    const bytes = decode(id);
    expect(bytes).toHaveLength(37);
    expect(bytes[0]).toBe(1);
    expect(bytes.readUInt32BE(5)).toBe(model);
    expect(bytes.readFloatBE(9)).toBe(0.5);
    expect(bytes.readUInt32BE(13)).toBe(1_700_000_000);
    const aesKey = Buffer.from(hkdfSync('sha256', keyA, Buffer.alloc(0), 'ml-service prediction id v1', 32));
    const tag = createCipheriv('aes-256-ecb', aesKey, null).setAutoPadding(false).update(bytes.subarray(5, 21));
    expect(bytes.subarray(21).equals(tag)).toBe(true);
  });

  it('a batch: one id per score, each verifying to its own score, all different', () => {
    const codec = createPredictionIdCodec([keyA]);
    const scores = Float32Array.from({ length: 50 }, (_, i) => i / 50);
    const ids = codec.issueAll(model, scores, 42);
    expect(new Set(ids).size).toBe(50);
    ids.forEach((id, i) => expect(codec.verify(id)).toEqual({ ok: true, id: { modelId: model, score: scores[i], issuedAt: 42 } }));
    expect(codec.issueAll(model, [], 42)).toEqual([]);
  });

  it('two predictions with the same model, score and second get different ids', () => {
    const codec = createPredictionIdCodec([keyA]);
    const other = createPredictionIdCodec([keyA]);
    const ids = new Set([0, 1, 2].flatMap(() => [codec.issue(model, 0.5, 1_000), other.issue(model, 0.5, 1_000)]));
    expect(ids.size).toBe(6);
  });

  it('rotation: ids signed by either configured key verify; the first key signs', () => {
    const old = createPredictionIdCodec([keyA]);
    const rotated = createPredictionIdCodec([keyB, keyA]);
    expect(rotated.verify(old.issue(model, 0.25, 10)).ok).toBe(true);
    const fresh = rotated.issue(model, 0.25, 10);
    expect(createPredictionIdCodec([keyB]).verify(fresh).ok).toBe(true);
    expect(old.verify(fresh)).toEqual({ ok: false, problem: 'unknown_key' });
  });

  it('any change to any byte of a valid id is refused', () => {
    const codec = createPredictionIdCodec([keyA]);
    const bytes = decode(codec.issue(model, 0.75, 1_700_000_000));
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Buffer.from(bytes);
        tampered[i]! ^= bit;
        const result = codec.verify(encode(tampered));
        expect(result.ok, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('an id signed with a key the verifier does not hold is refused, even with a matching key id', () => {
    const codec = createPredictionIdCodec([keyA]);
    const bytes = decode(codec.issue(model, 0.75, 1_700_000_000));
    // Forge: keep the key id, change the score, sign with another key.
    bytes.writeFloatBE(0.01, 9);
    const otherKey = Buffer.from(hkdfSync('sha256', randomBytes(32), Buffer.alloc(0), 'ml-service prediction id v1', 32));
    const cipher = createCipheriv('aes-256-ecb', otherKey, null).setAutoPadding(false);
    cipher.update(bytes.subarray(5, 21)).copy(bytes, 21);
    expect(codec.verify(encode(bytes))).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it('malformed ids are refused as malformed, whatever their content', () => {
    const codec = createPredictionIdCodec([keyA]);
    const valid = codec.issue(model, 0.5, 1);
    const malformed = [
      '',
      'p1.',
      valid.slice(0, -1),
      `${valid}A`,
      valid.replace('p1.', 'p2.'),
      `${valid.slice(0, -1)}=`,
      `${valid.slice(0, 10)}+${valid.slice(11)}`,
    ];
    // Non-canonical spelling: the spare low bits of the last character set.
    const last = valid.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    malformed.push(valid.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1]!);
    // Another version byte.
    const bytes = decode(valid);
    bytes[0] = 2;
    malformed.push(encode(bytes));
    for (const id of malformed) expect(codec.verify(id), JSON.stringify(id)).toEqual<VerifyResult>({ ok: false, problem: 'malformed' });
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(codec.verify(s).ok).toBe(false);
      }),
    );
  });

  it('refuses keys shorter than 32 bytes and an empty key list', () => {
    expect(() => createPredictionIdCodec([Buffer.alloc(31)])).toThrow(/31 bytes; at least 32/);
    expect(() => createPredictionIdCodec([])).toThrow(/at least one key/);
  });
});
