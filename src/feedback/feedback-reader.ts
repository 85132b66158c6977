/**
 * One feedback item, `{prediction_id, label}`, read and judged: the id's form and tag (the codec),
 * its time against the horizon and this replica's clock, its model against the loaded ones, and
 * the label. The verdict names the field at fault and what to count; nothing here keeps state, so
 * a second label for the same id is judged (and counted) like the first.
 */
import { AppError, quoteInput, StartupError, type ErrorCode } from '../errors.js';
import { modelIdOf, PREDICTION_ID_PREFIX, type PredictionIdCodec } from './prediction-id.js';

/** Why an item was refused, as ml_feedback_total's `outcome` says it. */
export type FeedbackProblem = 'malformed' | 'invalid' | 'expired' | 'model_not_loaded' | 'invalid_label';

/**
 * How far ahead of this replica's clock an id's time may be: clocks of replicas synchronised by NTP
 * differ by milliseconds; five minutes is Kerberos' default clock-skew tolerance. Beyond it the
 * id is authentic but its time cannot be trusted (a replica's clock is wrong).
 */
export const MAX_FUTURE_SECONDS = 300;

export interface FeedbackTarget {
  readonly name: string;
  readonly version: string;
}

export type FeedbackVerdict<T extends FeedbackTarget> =
  | {
      readonly ok: true;
      readonly target: T;
      /** The score the prediction returned (float32). */
      readonly score: number;
      readonly positive: boolean;
      /** Seconds from the prediction to now (negative within MAX_FUTURE_SECONDS of skew). */
      readonly delaySeconds: number;
    }
  | { readonly ok: false; readonly problem: FeedbackProblem; readonly error: AppError };

export interface FeedbackReader<T extends FeedbackTarget> {
  /**
   * Judge `item` (a request body or one element of `feedback`). `at` is its path in the request
   * ('' for the body, 'feedback[3]' in a batch), so the error names `feedback[3].label`.
   */
  read(item: unknown, at: string, nowSeconds: number): FeedbackVerdict<T>;
}

/** Client input shown in a message: at most 64 characters, as quoteInput (errors.ts) cuts strings. */
const clip = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

const FIELDS: ReadonlySet<string> = new Set(['prediction_id', 'label']);

/**
 * A reader for the ids of `targets` (the loaded models, each with whatever the caller needs bound
 * to it). Two targets whose 4-byte model ids collide cannot be told apart by an id: refused at startup.
 */
export function createFeedbackReader<T extends FeedbackTarget>(
  codec: PredictionIdCodec,
  targets: readonly T[],
  options: { readonly horizonSeconds: number },
): FeedbackReader<T> {
  const byId = new Map<number, T>();
  for (const target of targets) {
    const id = modelIdOf(target.name, target.version);
    const other = byId.get(id);
    if (other) {
      throw new StartupError(
        `models ${other.name}@${other.version} and ${target.name}@${target.version} have the same prediction-id model id; rename one`,
      );
    }
    byId.set(id, target);
  }
  const loaded = targets.map((t) => `${t.name}@${t.version}`).join(', ');
  const { horizonSeconds } = options;
  const horizonDays = horizonSeconds / 86_400;

  const refuse = (problem: FeedbackProblem, code: ErrorCode, message: string, field: string): FeedbackVerdict<T> => ({
    ok: false,
    problem,
    error: new AppError(code, message, field),
  });

  return {
    read(item, at, nowSeconds) {
      const path = (name: string) => (at === '' ? name : `${at}.${name}`);
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        return refuse('malformed', 'VALIDATION_ERROR', `${at || 'request body'} must be an object {prediction_id, label}`, at || '(body)');
      }
      for (const key of Object.keys(item)) {
        if (!FIELDS.has(key)) {
          const shown = key.slice(0, 64);
          return refuse('malformed', 'VALIDATION_ERROR', `unknown field ${JSON.stringify(shown)}${at ? ` in ${at}` : ''}`, path(shown));
        }
      }
      const { prediction_id: id, label } = item as { prediction_id?: unknown; label?: unknown };

      const idField = path('prediction_id');
      if (id === undefined) return refuse('malformed', 'VALIDATION_ERROR', `${idField} is required`, idField);
      if (typeof id !== 'string') return refuse('malformed', 'VALIDATION_ERROR', `${idField} must be a string`, idField);
      const verified = codec.verify(id);
      if (!verified.ok) {
        if (verified.problem === 'malformed') {
          return refuse(
            'malformed',
            'PREDICTION_ID_MALFORMED',
            `${idField} ${quoteInput(id)} is not a prediction id ("${PREDICTION_ID_PREFIX}" and 50 base64url characters, as /predict returns it)`,
            idField,
          );
        }
        const why =
          verified.problem === 'unknown_key'
            ? 'it is signed with a key this service does not hold (a forged id, or FEEDBACK_KEYS differs between replicas)'
            : 'its signature does not match its content (forged or altered)';
        return refuse('invalid', 'PREDICTION_ID_INVALID', `${idField} was not issued by this service: ${why}`, idField);
      }
      const { modelId, score, issuedAt } = verified.id;
      const delaySeconds = nowSeconds - issuedAt;
      if (delaySeconds < -MAX_FUTURE_SECONDS) {
        return refuse(
          'invalid',
          'PREDICTION_ID_INVALID',
          `${idField} was issued ${Math.round(-delaySeconds)} s ahead of this replica's clock (more than ${MAX_FUTURE_SECONDS} s): replica clocks disagree`,
          idField,
        );
      }
      if (delaySeconds > horizonSeconds) {
        return refuse(
          'expired',
          'PREDICTION_ID_EXPIRED',
          `${idField} is ${(delaySeconds / 86_400).toFixed(1)} days old, beyond the feedback horizon of ${horizonDays} days (FEEDBACK_HORIZON_DAYS)`,
          idField,
        );
      }
      const target = byId.get(modelId);
      if (target === undefined) {
        return refuse(
          'model_not_loaded',
          'PREDICTION_MODEL_NOT_LOADED',
          `${idField} is for a model this replica has not loaded (model id ${modelId.toString(16).padStart(8, '0')}); loaded: ${loaded}`,
          idField,
        );
      }

      const labelField = path('label');
      const positive = label === 1 || label === true ? true : label === 0 || label === false ? false : undefined;
      if (positive === undefined) {
        const got = label === undefined ? 'nothing' : clip(JSON.stringify(label));
        return refuse(
          'invalid_label',
          'INVALID_LABEL',
          `${labelField} must be 1 or true (positive), 0 or false (negative); got ${got}`,
          labelField,
        );
      }
      return { ok: true, target, score, positive, delaySeconds };
    },
  };
}
