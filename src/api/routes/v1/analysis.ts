import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  batchListQuerySchema,
  batchListSchema,
  batchParamsSchema,
  batchQuerySchema,
  batchStatusSchema,
  bulkSubmitRequestSchema,
  bulkSubmitResponseSchema,
  cancelResponseSchema,
  errorBodySchema,
  type EmailInputBody,
  jobHeadersSchema,
  jobIdParamsSchema,
  jobListQuerySchema,
  jobListSchema,
  jobStatusSchema,
  submitRequestSchema,
  submitResponseSchema,
} from '../../../contracts/api.ts';
import type { ErrorCode } from '../../../contracts/error-codes.ts';
import { getBatchStatus, readBatchOwner, submitBulk } from '../../../jobs/batches.ts';
import { cancelJob } from '../../../jobs/cancel.ts';
import { listBatches, searchJobs } from '../../../jobs/job-search.ts';
import { readJobOwner } from '../../../jobs/job-record.ts';
import {
  getJobHeaders,
  getJobStatus,
  submitAnalysis,
  withRedis,
  type JobsDeps,
} from '../../../jobs/jobs.ts';
import { AppError } from '../../../lib/errors.ts';
import { scanMimeLimits, type MimeLimitName, type MimeLimits } from '../../../lib/mime-scan.ts';
import { decodeRawEmail, composeRfc822, readHeaderValue } from '../../../lib/rfc822.ts';
import { mayAccess, principalOf } from '../../plugins/auth.ts';
import type { RateLimits } from '../../plugins/rate-limit.ts';

export interface EmailLimits extends MimeLimits {
  maxEmailBytes: number;
  bulkMaxEmails: number;
  /** Body of a bulk submission; a single one is sized from maxEmailBytes. */
  maxBulkBodyBytes: number;
}

export interface AnalysisRoutesOptions {
  jobs: JobsDeps;
  limits: EmailLimits;
  rateLimits: RateLimits;
}

/** base64 makes an email a third larger; the JSON around it is small. */
const JSON_OVERHEAD_BYTES = 1024 * 1024;

function submitBodyLimitBytes(maxEmailBytes: number): number {
  return Math.ceil((maxEmailBytes * 4) / 3) + JSON_OVERHEAD_BYTES;
}

export function analysisRoutes(app: FastifyInstance, options: AnalysisRoutesOptions): void {
  const { jobs, limits, rateLimits } = options;
  const { bulkMaxEmails } = limits;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  /** Another user's job looks exactly like no job, so ids cannot be probed. */
  const assertJobVisible = async (request: FastifyRequest, jobId: string): Promise<void> => {
    const owner = await withRedis(() => readJobOwner(jobs, jobId));
    if (owner === null || !mayAccess(principalOf(request), owner)) {
      throw new AppError('API_JOB_NOT_FOUND', `no job ${jobId}`);
    }
  };

  typed.post('/analysis/submit', {
    bodyLimit: submitBodyLimitBytes(limits.maxEmailBytes),
    config: { rateLimit: 'submissions' },
    schema: {
      summary: 'Submit one email for analysis',
      description:
        "JSON with the seed's fields (or `raw`, the RFC 822 message as text or base64), or a multipart/form-data upload with an `.eml` file in `file` and optional `analysis_type` and `priority` fields.",
      tags: ['analysis'],
      body: submitRequestSchema,
      response: {
        202: submitResponseSchema,
        400: errorBodySchema,
        401: errorBodySchema,
        413: errorBodySchema,
        429: errorBodySchema,
        503: errorBodySchema,
      },
    },
    // An upload becomes the same body as JSON before validation, so one schema checks both.
    preValidation: async (request: FastifyRequest) => {
      if (request.isMultipart()) request.body = await readUpload(request);
    },
    handler: async (request, reply) => {
      const { analysis_type: analysisType, priority, ...email } = request.body;
      const checked = toEmail(email, limits);
      await rateLimits.consumeSubmissions(request, reply, 1);
      const accepted = await submitAnalysis(jobs, {
        ...checked,
        analysisType,
        priority,
        owner: principalOf(request).sub,
      });
      return reply.code(202).send(accepted);
    },
  });

  typed.post('/analysis/submit-bulk', {
    bodyLimit: limits.maxBulkBodyBytes,
    config: { rateLimit: 'submissions' },
    schema: {
      summary: 'Submit many emails at once (a mailbox sweep)',
      description:
        'All or nothing: one bad email rejects the request with its index, and nothing is enqueued. Bulk work defaults to `low` priority so single submissions stay fast.',
      tags: ['analysis'],
      body: bulkSubmitRequestSchema,
      response: {
        202: bulkSubmitResponseSchema,
        400: errorBodySchema,
        401: errorBodySchema,
        413: errorBodySchema,
        429: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      const { emails, analysis_type: analysisType, priority } = request.body;
      if (emails.length > bulkMaxEmails) {
        throw new AppError(
          'API_BULK_TOO_MANY',
          `${emails.length} emails in one request; the limit is ${bulkMaxEmails}`,
        );
      }
      // Decode and check every email before anything is stored: all or nothing.
      const decoded = emails.map((email, index) => toEmail(email, limits, index));
      await rateLimits.consumeSubmissions(request, reply, decoded.length);
      const accepted = await submitBulk(jobs, {
        emails: decoded,
        analysisType,
        priority,
        owner: principalOf(request).sub,
      });
      return reply.code(202).send(accepted);
    },
  });

  typed.get('/analysis/batch/:batch_id', {
    schema: {
      summary: "A batch's progress, counts by status and verdict, and its jobs (paginated)",
      tags: ['analysis'],
      params: batchParamsSchema,
      querystring: batchQuerySchema,
      response: { 200: batchStatusSchema, 404: errorBodySchema },
    },
    handler: async (request) => {
      const { page, page_size: pageSize } = request.query;
      const batchId = request.params.batch_id;
      const owner = await readBatchOwner(jobs, batchId);
      const batch =
        owner !== null && mayAccess(principalOf(request), owner)
          ? await getBatchStatus(jobs, batchId, page, pageSize)
          : null;
      if (!batch) throw new AppError('API_BATCH_NOT_FOUND', `no batch ${batchId}`);
      return batch;
    },
  });

  typed.get('/analysis/jobs', {
    schema: {
      summary: 'Search jobs: by sender, subject, verdict, batch and submission time',
      description:
        'Newest first. `sender` and `subject` match case-insensitive substrings; `from` and `to` bound the submission time (ISO 8601). One request examines a bounded stretch of the index, so a page may be short while `next_cursor` is set: pass it as `cursor` to go on. `searched_until` says how far back the page looked.',
      tags: ['analysis'],
      querystring: jobListQuerySchema,
      response: { 200: jobListSchema, 400: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request) => {
      const { cursor, limit, batch_id: batchId, from, to, ...text } = request.query;
      // An owner filter (an analyst sees only their own jobs) goes in this search object.
      return searchJobs(jobs, { ...text, batchId, ...timeRange(from, to) }, { cursor, limit });
    },
  });

  typed.get('/analysis/headers/:job_id', {
    schema: {
      summary: "A job's raw header section, as the email arrived",
      tags: ['analysis'],
      params: jobIdParamsSchema,
      response: {
        200: jobHeadersSchema,
        404: errorBodySchema,
        410: errorBodySchema,
        503: errorBodySchema,
      },
    },
    handler: async (request) => {
      const jobId = request.params.job_id;
      const found = await getJobHeaders(jobs, jobId);
      if (!found) throw new AppError('API_JOB_NOT_FOUND', `no job ${jobId}`);
      if (found === 'expired') {
        throw new AppError('TASK_EMAIL_EXPIRED', `the email of job ${jobId} is no longer stored`);
      }
      return { job_id: jobId, ...found };
    },
  });

  typed.get('/analysis/batches', {
    schema: {
      summary: 'Recent batches (bulk submissions), newest first, with their counts',
      tags: ['analysis'],
      querystring: batchListQuerySchema,
      response: { 200: batchListSchema, 400: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request) => {
      const { cursor, limit, from, to } = request.query;
      return listBatches(jobs, timeRange(from, to), { cursor, limit });
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
      await assertJobVisible(request, request.params.job_id);
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
      await assertJobVisible(request, request.params.job_id);
      const status = await getJobStatus(jobs, request.params.job_id);
      if (!status) throw new AppError('API_JOB_NOT_FOUND', `no job ${request.params.job_id}`);
      return status;
    },
  });
}

/** `from`/`to` as epoch ms; a range that ends before it starts is a 400, not an empty page. */
function timeRange(
  from: string | undefined,
  to: string | undefined,
): { fromMs?: number; toMs?: number } {
  const fromMs = from === undefined ? undefined : Date.parse(from);
  const toMs = to === undefined ? undefined : Date.parse(to);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw new AppError('API_REQUEST_INVALID', `\`from\` (${from}) is after \`to\` (${to})`, {
      details: [{ field: 'querystring.from' }],
    });
  }
  return {
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
  };
}

const BREACH_CODES: Record<MimeLimitName, ErrorCode> = {
  header_fields: 'API_EMAIL_HEADER_LIMIT',
  header_bytes: 'API_EMAIL_HEADER_LIMIT',
  mime_depth: 'API_EMAIL_MIME_TOO_DEEP',
  attachments: 'API_EMAIL_TOO_MANY_ATTACHMENTS',
};

const BREACH_TEXT: Record<MimeLimitName, (max: number) => string> = {
  header_fields: (max) => `more than ${max} header fields (PHISHNET_MAX_HEADER_FIELDS)`,
  header_bytes: (max) => `a header block over ${max} bytes (PHISHNET_MAX_HEADER_BYTES)`,
  mime_depth: (max) => `MIME parts nested more than ${max} deep (PHISHNET_MAX_MIME_DEPTH)`,
  attachments: (max) => `more than ${max} attachments (PHISHNET_MAX_ATTACHMENTS)`,
};

/**
 * An email as bytes: `raw` decoded, or the seed's fields composed. Too large is
 * a 413; a structure beyond the limits (header fields and bytes, MIME depth,
 * attachments) a 400, found by a bounded scan, not a parse.
 */
function toEmail(
  body: EmailInputBody,
  limits: EmailLimits,
  index?: number,
): { email: Buffer; subject: string; sender: string } {
  const email =
    body.raw !== undefined ? decodeRawEmail(body.raw) : Buffer.from(composeRfc822(body), 'utf8');
  const which = index === undefined ? 'the email' : `emails[${index}]`;
  const fieldDetails = index === undefined ? {} : { field: `body.emails.${index}` };
  if (email.byteLength > limits.maxEmailBytes) {
    throw new AppError(
      'API_EMAIL_TOO_LARGE',
      `${which} is ${email.byteLength} bytes; the limit is ${limits.maxEmailBytes} (PHISHNET_MAX_EMAIL_BYTES)`,
      index === undefined ? undefined : { details: [fieldDetails] },
    );
  }
  const breach = scanMimeLimits(email, limits);
  if (breach) {
    throw new AppError(
      BREACH_CODES[breach.limit],
      `${which} has ${BREACH_TEXT[breach.limit](breach.max)}, in its ${breach.where}`,
      { details: [{ ...fieldDetails, limit: breach.limit, max: breach.max }] },
    );
  }
  // A raw message names its own subject and sender, kept for search and lists.
  return {
    email,
    subject: body.subject ?? (body.raw === undefined ? '' : readHeaderValue(email, 'subject')),
    sender: body.sender ?? (body.raw === undefined ? '' : readHeaderValue(email, 'from')),
  };
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
