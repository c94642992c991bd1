import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from '../../web/src/api/client.ts';

function respond(status: number, body: unknown): typeof fetch {
  return vi.fn(() =>
    Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
    ),
  );
}

describe('the API client', () => {
  it('sends the token as a bearer and validates the answer against the contract', async () => {
    const fetch = respond(200, { sub: 'alice', role: 'analyst' });
    const api = createApiClient({ baseUrl: '/api/v1/', getToken: () => 'tok', fetch });
    await expect(api.me()).resolves.toEqual({ sub: 'alice', role: 'analyst' });
    expect(fetch).toHaveBeenCalledWith('/api/v1/auth/me', {
      method: 'GET',
      headers: { accept: 'application/json', authorization: 'Bearer tok' },
    });
  });

  it("opens the dashboards' cookie with the token and closes it with the cookie alone", async () => {
    const onUnauthorized = vi.fn();
    const open = respond(200, { sub: 'root', role: 'admin', expires_in_seconds: 3600 });
    const api = createApiClient({
      baseUrl: '/api/v1',
      getToken: () => 'session-tok',
      fetch: open,
      onUnauthorized,
    });
    await expect(api.openDashboardSession('new-tok')).resolves.toMatchObject({ sub: 'root' });
    expect(open).toHaveBeenCalledWith('/api/v1/auth/session', {
      method: 'POST',
      headers: { accept: 'application/json', authorization: 'Bearer new-tok' },
      credentials: 'same-origin',
    });

    const close = respond(401, {
      error: { code: 'API_UNAUTHORIZED', message: 'no session' },
      requestId: 'r1',
    });
    const closing = createApiClient({
      baseUrl: '/api/v1',
      getToken: () => 'session-tok',
      fetch: close,
      onUnauthorized,
    });
    await expect(closing.closeDashboardSession()).rejects.toMatchObject({ status: 401 });
    expect(close).toHaveBeenCalledWith('/api/v1/auth/session', {
      method: 'DELETE',
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
    // Having no cookie to drop is not the session's token being refused.
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('puts search filters in the query string, leaving out empty ones', async () => {
    const fetch = respond(200, { jobs: [], next_cursor: null, searched_until: null });
    const api = createApiClient({ baseUrl: '/api/v1', getToken: () => null, fetch });
    await api.searchJobs({ sender: 'paypal', subject: undefined, verdict: 'phishing', limit: 10 });
    expect(vi.mocked(fetch).mock.calls[0]?.[0]).toBe(
      '/api/v1/analysis/jobs?sender=paypal&verdict=phishing&limit=10',
    );
  });

  it("turns PhishNet's error body into an ApiError with code, message and request id", async () => {
    const fetch = respond(404, {
      error: { code: 'API_ROUTE_NOT_FOUND', message: 'no route POST /api/v1/workers/scale' },
      requestId: 'req-9',
    });
    const api = createApiClient({ baseUrl: '/api/v1', getToken: () => 't', fetch });
    const error = await api.scale({ mode: 'fixed', workers: 2 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'API_ROUTE_NOT_FOUND',
      message: 'no route POST /api/v1/workers/scale',
      requestId: 'req-9',
    });
  });

  it('names a server that does not answer (status 0)', async () => {
    const fetch = vi.fn(() => Promise.reject(new TypeError('Failed to fetch')));
    const api = createApiClient({ baseUrl: '/api/v1', getToken: () => null, fetch });
    await expect(api.workerStats()).rejects.toMatchObject({
      status: 0,
      code: 'NETWORK',
      message: expect.stringContaining('Failed to fetch') as unknown,
    });
  });

  it('rejects an answer that does not match the contract', async () => {
    const fetch = respond(200, { sub: 'alice' });
    const api = createApiClient({ baseUrl: '/api/v1', getToken: () => null, fetch });
    await expect(api.me()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('reports a refused session token, but not a token that is only being checked', async () => {
    const onUnauthorized = vi.fn();
    const body = {
      error: { code: 'API_REQUEST_INVALID', message: 'token expired' },
      requestId: 'r',
    };
    const api = createApiClient({
      baseUrl: '/api/v1',
      getToken: () => 'old',
      fetch: respond(401, body),
      onUnauthorized,
    });
    await expect(api.me('candidate')).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).not.toHaveBeenCalled();
    await expect(api.workerStats()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});
