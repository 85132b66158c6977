import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { FeedbackReader, FeedbackTarget } from '../feedback/feedback-reader.js';
import type { FeedbackRecorder, FeedbackTelemetry } from '../telemetry/feedback-telemetry.js';
import type { ErrorResponder } from './error-handler.js';

/** A loaded model as feedback sees it: its labels' metrics bound once, at startup. */
export interface FeedbackModel extends FeedbackTarget {
  readonly recorder: FeedbackRecorder;
}

export interface FeedbackRoutesOptions {
  readonly reader: FeedbackReader<FeedbackModel>;
  readonly telemetry: Pick<FeedbackTelemetry, 'outcome'>;
  readonly errors: ErrorResponder;
  /** Most items in one `POST /feedback/batch` (MAX_BATCH_SIZE, as for predictions). */
  readonly maxBatchSize: number;
}

interface BatchBody {
  feedback: unknown[];
}

const acceptedResponse = {
  200: { type: 'object', properties: { accepted: { type: 'integer', description: 'Labels counted' } } },
} as const;

/**
 * POST /feedback `{prediction_id, label}` and POST /feedback/batch `{feedback: [...]}`: a label for
 * a prediction any replica made within the horizon, joined through the id alone. A batch is all or
 * nothing: every item is judged before any is counted, and the first bad one refuses the request
 * naming its field. Item-level checks are done in order here rather than by the JSON schema, so the
 * field named is that of the first bad item whatever is wrong with it.
 */
export const feedbackRoutes: FastifyPluginAsync<FeedbackRoutesOptions> = async (app, options) => {
  const { reader, telemetry, errors, maxBatchSize } = options;
  const now = () => Date.now() / 1000;

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: Error) => errors.send(request, reply, error);

  app.post(
    '/feedback',
    {
      attachValidation: true,
      schema: { body: { type: 'object' }, response: acceptedResponse },
    },
    (request, reply) => {
      if (request.validationError) return refuse(request, reply, request.validationError);
      const verdict = reader.read(request.body, '', now());
      if (!verdict.ok) {
        telemetry.outcome(verdict.problem);
        return refuse(request, reply, verdict.error);
      }
      verdict.target.recorder.labelled(verdict.score, verdict.positive, verdict.delaySeconds);
      telemetry.outcome('accepted');
      return { accepted: 1 };
    },
  );

  app.post<{ Body: BatchBody }>(
    '/feedback/batch',
    {
      attachValidation: true,
      schema: {
        body: {
          type: 'object',
          required: ['feedback'],
          additionalProperties: false,
          properties: { feedback: { type: 'array' } },
        },
        response: acceptedResponse,
      },
    },
    (request, reply) => {
      if (request.validationError) return refuse(request, reply, request.validationError);
      const items = request.body.feedback;
      if (items.length === 0)
        return refuse(request, reply, new AppError('EMPTY_BATCH', 'feedback must hold at least one item', 'feedback'));
      if (items.length > maxBatchSize) {
        return refuse(
          request,
          reply,
          new AppError(
            'BATCH_TOO_LARGE',
            `batch of ${items.length} items exceeds the limit of ${maxBatchSize} (MAX_BATCH_SIZE)`,
            'feedback',
          ),
        );
      }
      const at = now();
      const accepted = [];
      for (let i = 0; i < items.length; i++) {
        const verdict = reader.read(items[i], `feedback[${i}]`, at);
        if (!verdict.ok) {
          telemetry.outcome(verdict.problem);
          return refuse(request, reply, verdict.error);
        }
        accepted.push(verdict);
      }
      for (const v of accepted) v.target.recorder.labelled(v.score, v.positive, v.delaySeconds);
      telemetry.outcome('accepted', accepted.length);
      return { accepted: accepted.length };
    },
  );
};
