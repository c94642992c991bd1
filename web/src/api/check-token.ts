import { ApiError, isApiError, type ApiClient, type Me } from './client.ts';

/**
 * Who a token belongs to, asked of `GET /api/v1/auth/me`. A 401 (or a 404, a
 * server without the auth routes) means the token is not accepted here: the
 * error says so in words a person signing in can act on.
 */
export async function checkToken(api: ApiClient, token: string): Promise<Me> {
  try {
    return await api.me(token);
  } catch (err) {
    if (isApiError(err) && (err.status === 401 || err.status === 404)) {
      const why = err.status === 401 ? err.message : 'this server does not check tokens';
      throw new ApiError(err.status, err.code, `This token is not accepted: ${why}.`, {
        ...(err.requestId === undefined ? {} : { requestId: err.requestId }),
        details: err.details,
      });
    }
    throw err;
  }
}
