import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody } from '../../contracts/api.ts';
import { ERROR_CODES, type ErrorCode } from '../../contracts/error-codes.ts';
import { isAppError } from '../../lib/errors.ts';

/** Fastify's own client errors, named in PhishNet's vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'API_BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'API_EMAIL_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'API_REQUEST_INVALID',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'API_REQUEST_INVALID',
};

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details?: unknown,
): FastifyReply {
  const body: ErrorBody = {
    error: details === undefined ? { code, message } : { code, message, details },
    requestId: request.id,
  };
  return reply.code(ERROR_CODES[code].status).send(body);
}

/**
 * For hooks that refuse a request: answers with the error directly rather than
 * throwing, so a route in a plugin with an error handler of its own (bull-board)
 * still gets PhishNet's status and body. Anything but an AppError is rethrown.
 */
export async function refuseWith(
  request: FastifyRequest,
  reply: FastifyReply,
  check: () => Promise<unknown>,
): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!isAppError(err)) throw err;
    await sendError(reply, request, err.code, err.message, err.details);
  }
}

/** The one error handler: every error leaves as `{ error: { code, message, details? }, requestId }`. */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { exposeStacks: boolean },
): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((issue) => ({
        field: [err.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: issue.message,
      }));
      const fields = details.map((detail) => detail.field).join(', ');
      return sendError(
        reply,
        request,
        'API_REQUEST_INVALID',
        `invalid request: ${fields}`,
        details,
      );
    }
    if (isAppError(err)) {
      if (err.status >= 500) request.log.error({ err }, err.message);
      return sendError(reply, request, err.code, err.message, err.details);
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped === 'API_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit;
      return sendError(
        reply,
        request,
        mapped,
        `the request body is larger than this route's limit of ${limit} bytes`,
      );
    }
    if (mapped === 'API_EMAIL_TOO_LARGE') {
      return sendError(
        reply,
        request,
        mapped,
        `the uploaded email is larger than the limit (PHISHNET_MAX_EMAIL_BYTES)`,
      );
    }
    if (mapped) return sendError(reply, request, mapped, err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, request, 'API_REQUEST_INVALID', err.message);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(
      reply,
      request,
      'API_INTERNAL',
      'internal error',
      options.exposeStacks ? { stack: err.stack } : undefined,
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, 'API_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`),
  );
}
