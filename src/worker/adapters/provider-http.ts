/**
 * An external provider asked over HTTP: the intel provider and the sandbox. One JSON request,
 * one JSON answer, within the endpoint's time budget. Whatever goes wrong on the provider's
 * side (no connection, an error status, no answer in time, an answer that is not what was
 * agreed) is TASK_PROVIDER_FAILED, an `external` failure that its retry policy retries; the
 * job's own stop (its time limit, a cancellation) stays what it is.
 */
import type { z } from 'zod';
import type { ProviderEndpoint } from '../../config/config.ts';
import { AppError, coerceError } from '../../lib/errors.ts';

/** Larger answers are refused: a provider says what it found, it does not send files back. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export async function askProvider<T>(
  endpoint: ProviderEndpoint,
  request: unknown,
  answerSchema: z.ZodType<T>,
  signal: AbortSignal,
): Promise<T> {
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  const failed = (why: string): AppError =>
    new AppError('TASK_PROVIDER_FAILED', `${endpoint.name} ${why}`);
  const stopped = (err: unknown): AppError => {
    signal.throwIfAborted();
    return timeout.aborted
      ? failed(`did not answer within ${endpoint.timeoutMs} ms`)
      : failed(`could not be reached: ${describeCause(err)}`);
  };
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (err) {
    throw stopped(err);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw failed(`answered HTTP ${response.status}`);
  }
  let text: string | null;
  try {
    text = await readBounded(response);
  } catch (err) {
    throw stopped(err);
  }
  if (text === null) throw failed(`answered more than ${MAX_ANSWER_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw failed('answered with something that is not JSON');
  }
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) {
    throw failed(`answered in an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  return parsed.data;
}

/** The answer's text, or `null` once it runs past MAX_ANSWER_BYTES (the rest is not read). */
async function readBounded(response: Response): Promise<string | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream.
    if (size > MAX_ANSWER_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch says "fetch failed" and puts the reason (ECONNREFUSED...) in its cause. */
function describeCause(err: unknown): string {
  const error = coerceError(err);
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? error.message : coerceError(cause).message;
}
