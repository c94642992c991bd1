import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  cancelResponseSchema,
  errorBodySchema,
  jobIdParamsSchema,
  jobStatusSchema,
  submitRequestSchema,
  submitResponseSchema,
} from '../../../contracts/api.ts';
import { cancelJob } from '../../../jobs/cancel.ts';
import { getJobStatus, submitAnalysis, type JobsDeps } from '../../../jobs/jobs.ts';
import { AppError } from '../../../lib/errors.ts';
import { decodeRawEmail, composeRfc822 } from '../../../lib/rfc822.ts';

export interface AnalysisRoutesOptions {
  jobs: JobsDeps;
  maxEmailBytes: number;
}

export function analysisRoutes(app: FastifyInstance, options: AnalysisRoutesOptions): void {
  const { jobs, maxEmailBytes } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post('/analysis/submit', {
    schema: {
      summary: 'Submit one email for analysis',
      description:
        "JSON with the seed's fields (or `raw`, the RFC 822 message as text or base64), or a multipart/form-data upload with an `.eml` file in `file` and optional `analysis_type` and `priority` fields.",
      tags: ['analysis'],
      body: submitRequestSchema,
      response: {
        202: submitResponseSchema,
        400: errorBodySchema,
        413: errorBodySchema,
        503: errorBodySchema,
      },
    },
    // An upload becomes the same body as JSON before validation, so one schema checks both.
    preValidation: async (request: FastifyRequest) => {
      if (request.isMultipart()) request.body = await readUpload(request);
    },
    handler: async (request, reply) => {
      const body = request.body;
      const email =
        body.raw !== undefined
          ? decodeRawEmail(body.raw)
          : Buffer.from(composeRfc822(body), 'utf8');
      if (email.byteLength > maxEmailBytes) {
        throw new AppError(
          'API_EMAIL_TOO_LARGE',
          `the email is ${email.byteLength} bytes; the limit is ${maxEmailBytes}`,
        );
      }
      const accepted = await submitAnalysis(jobs, {
        email,
        subject: body.subject ?? '',
        sender: body.sender ?? '',
        analysisType: body.analysis_type,
        priority: body.priority,
      });
      return reply.code(202).send(accepted);
    },
  });

  typed.delete('/analysis/:job_id', {
    schema: {
      summary: 'Cancel a job',
      description:
        'A job that has not started is removed; a running one is aborted wherever it runs. Its status becomes `cancelled` and WebSocket clients get `job_cancelled`. A finished job answers 409.',
      tags: ['analysis'],
      params: jobIdParamsSchema,
      response: { 200: cancelResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (request) => {
      const cancelled = await cancelJob(jobs, request.params.job_id);
      if (!cancelled) throw new AppError('API_JOB_NOT_FOUND', `no job ${request.params.job_id}`);
      return { job_id: request.params.job_id, status: 'cancelled' as const, how: cancelled.how };
    },
  });

  typed.get('/analysis/status/:job_id', {
    schema: {
      summary: "A job's status, progress and, once completed, its result",
      tags: ['analysis'],
      params: jobIdParamsSchema,
      response: { 200: jobStatusSchema, 404: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request) => {
      const status = await getJobStatus(jobs, request.params.job_id);
      if (!status) throw new AppError('API_JOB_NOT_FOUND', `no job ${request.params.job_id}`);
      return status;
    },
  });
}

/** Reads a multipart upload: the `.eml` in a file part, the options in fields. */
async function readUpload(request: FastifyRequest): Promise<Record<string, string>> {
  const body: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      body.raw = (await part.toBuffer()).toString('base64');
    } else if (typeof part.value === 'string') {
      body[part.fieldname] = part.value;
    }
  }
  return body;
}
