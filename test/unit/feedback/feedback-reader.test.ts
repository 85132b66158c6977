import { describe, expect, it } from 'vitest';
import { StartupError } from '../../../src/errors.js';
import { createFeedbackReader, MAX_FUTURE_SECONDS } from '../../../src/feedback/feedback-reader.js';
import { createPredictionIdCodec, modelIdOf } from '../../../src/feedback/prediction-id.js';

const codec = createPredictionIdCodec([Buffer.alloc(32, 1)]);
const targets = [
  { name: 'fraud-detection', version: 'v1.0', tag: 'a' },
  { name: 'fraud-detection', version: 'v2.0', tag: 'b' },
];
const HORIZON = 10 * 86_400;
const reader = createFeedbackReader(codec, targets, { horizonSeconds: HORIZON });
const NOW = 1_800_000_000;
const v2 = modelIdOf('fraud-detection', 'v2.0');

describe('createFeedbackReader', () => {
  it('an authentic id and a label: the target of its model, its float32 score, the label and the delay', () => {
    const verdict = reader.read({ prediction_id: codec.issue(v2, 0.3, NOW - 90), label: true }, '', NOW + 0.5);
    expect(verdict).toEqual({ ok: true, target: targets[1], score: Math.fround(0.3), positive: true, delaySeconds: 90.5 });
    const zero = reader.read({ label: 0, prediction_id: codec.issue(v2, 0.3, NOW) }, 'feedback[2]', NOW);
    expect(zero.ok && zero.positive).toBe(false);
  });

  it('the horizon and the clock: up to HORIZON old and MAX_FUTURE_SECONDS ahead are accepted, beyond either refused', () => {
    const at = (issuedAt: number) => {
      const verdict = reader.read({ prediction_id: codec.issue(v2, 0.3, issuedAt), label: 1 }, '', NOW);
      return verdict.ok ? 'ok' : `${verdict.problem} ${verdict.error.code}`;
    };
    expect(at(NOW - HORIZON)).toBe('ok');
    expect(at(NOW - HORIZON - 1)).toBe('expired PREDICTION_ID_EXPIRED');
    expect(at(NOW + MAX_FUTURE_SECONDS)).toBe('ok');
    expect(at(NOW + MAX_FUTURE_SECONDS + 1)).toBe('invalid PREDICTION_ID_INVALID');
  });

  it('checks an item in order, naming the first fault: shape, unknown field, id, then label', () => {
    const good = codec.issue(v2, 0.3, NOW);
    const other = createPredictionIdCodec([Buffer.alloc(32, 2)]).issue(v2, 0.3, NOW);
    const cases: [unknown, string, string, string][] = [
      [null, 'malformed', 'VALIDATION_ERROR', 'feedback[4]'],
      [[good, 1], 'malformed', 'VALIDATION_ERROR', 'feedback[4]'],
      [{ prediction_id: 'p1.x', label: 'yes', extra: 1 }, 'malformed', 'VALIDATION_ERROR', 'feedback[4].extra'],
      [{ label: 'yes' }, 'malformed', 'VALIDATION_ERROR', 'feedback[4].prediction_id'],
      [{ prediction_id: 7, label: 'yes' }, 'malformed', 'VALIDATION_ERROR', 'feedback[4].prediction_id'],
      [{ prediction_id: 'p1.x', label: 'yes' }, 'malformed', 'PREDICTION_ID_MALFORMED', 'feedback[4].prediction_id'],
      [{ prediction_id: other, label: 'yes' }, 'invalid', 'PREDICTION_ID_INVALID', 'feedback[4].prediction_id'],
      [
        { prediction_id: codec.issue(12345, 0.3, NOW), label: 'yes' },
        'model_not_loaded',
        'PREDICTION_MODEL_NOT_LOADED',
        'feedback[4].prediction_id',
      ],
      [{ prediction_id: good, label: 'yes' }, 'invalid_label', 'INVALID_LABEL', 'feedback[4].label'],
      [{ prediction_id: good }, 'invalid_label', 'INVALID_LABEL', 'feedback[4].label'],
    ];
    for (const [item, problem, code, field] of cases) {
      const verdict = reader.read(item, 'feedback[4]', NOW);
      expect(verdict.ok, JSON.stringify(item)).toBe(false);
      if (verdict.ok) continue;
      expect([verdict.problem, verdict.error.code, verdict.error.field]).toEqual([problem, code, field]);
    }
  });

  it('a label is 0, 1, true or false and nothing else', () => {
    const id = codec.issue(v2, 0.3, NOW);
    for (const label of [0, 1, true, false]) expect(reader.read({ prediction_id: id, label }, '', NOW).ok).toBe(true);
    for (const label of [2, -1, 0.5, '0', '1', 'true', 'yes', null, [], {}, [1], { value: 1 }]) {
      const verdict = reader.read({ prediction_id: id, label }, '', NOW);
      expect(!verdict.ok && verdict.error.code, JSON.stringify(label)).toBe('INVALID_LABEL');
    }
  });

  it('two models whose 4-byte ids collide cannot be told apart: refused at startup', () => {
    // A true 32-bit collision is impractical to construct; the same model twice has the same id.
    const same = { name: 'fraud-detection', version: 'v1.0' };
    expect(() => createFeedbackReader(codec, [same, { ...same }], { horizonSeconds: HORIZON })).toThrow(StartupError);
  });
});
