import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipHead, clipMiddle, ERROR_STATUS, errorBody, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
/** Any UTF-16 text: quotes, backslashes, control characters, astral characters and lone surrogates. */
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((points) => String.fromCodePoint(...points)),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength }).map((units) => String.fromCharCode(...units)),
    fc
      .tuple(fc.constantFrom('"', '\\', '\u0001', '😀', '\ud800', 'é', 'a'), fc.integer({ min: 0, max: maxLength }))
      .map(([c, n]) => c.repeat(n)),
  );

describe('errorBody', () => {
  it(`whatever the message and field, the serialised body is at most ${MAX_ERROR_BODY_BYTES} bytes`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...codes), anyText(4000), fc.option(anyText(4000), { nil: undefined }), (code, message, field) => {
        const body = errorBody(code, message, field);
        expect(bytes(body)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
        expect(body.error).toBe(code);
        expect('field' in body).toBe(field !== undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves a message and a field that fit untouched', () => {
    expect(errorBody('UNKNOWN_FEATURE', 'unknown feature "x"', 'features.x')).toEqual({
      error: 'UNKNOWN_FEATURE',
      message: 'unknown feature "x"',
      field: 'features.x',
    });
  });

  it('keeps the head of a long message and both ends of a long field', () => {
    const body = errorBody('VALIDATION_ERROR', `m${'x'.repeat(5000)}`, `instances[0].amount${'[0]'.repeat(20_000)}.__proto__`);
    expect(body.message).toMatch(/^mx+…$/);
    expect(body.field).toMatch(/^instances\[0\]\.amount(\[0\])+\[?0?\]?….*\.__proto__$/);
  });
});

describe('clipHead and clipMiddle', () => {
  it('cut within the byte budget, on whole code points, and only when needed', () => {
    fc.assert(
      fc.property(anyText(600), fc.integer({ min: 8, max: 300 }), (text, budget) => {
        for (const clip of [clipHead, clipMiddle]) {
          const cut = clip(text, budget);
          // bytes() counts the two quotes around the JSON string.
          if (bytes(text) - 2 <= budget) expect(cut).toBe(text);
          else {
            expect(bytes(cut) - 2).toBeLessThanOrEqual(budget);
            expect(cut).toContain('…');
          }
        }
        const head = clipHead(text, budget);
        if (head !== text) expect(text.startsWith(head.slice(0, -1))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never split a surrogate pair', () => {
    const emoji = '😀'.repeat(100);
    for (const budget of [10, 11, 12, 13, 50]) {
      for (const cut of [clipHead(emoji, budget), clipMiddle(emoji, budget)]) expect(cut.replace('…', '')).toMatch(/^(😀)*$/u);
    }
  });
});
