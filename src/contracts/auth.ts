/**
 * Who may do what, as the API and the browser see it. Every `/api/v1` request
 * carries `Authorization: Bearer <JWT>` whose claims are `sub`, `role` and `exp`
 * (issuer and audience `phishnet` unless configured otherwise).
 */
import { z } from 'zod';

/** `analyst`: submit, see and cancel their own jobs and batches. `admin`: everything. */
export const ROLES = ['analyst', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** The claims PhishNet reads from a token. */
export const principalSchema = z.object({
  sub: z.string().min(1).max(256),
  role: roleSchema,
});
export type Principal = z.infer<typeof principalSchema>;

/** `GET /api/v1/auth/me`. */
export const authMeSchema = principalSchema;

/** `POST /api/v1/ws-ticket`: one WebSocket connection, passed as `?ticket=…`, used once. */
export const wsTicketSchema = z.object({
  ticket: z.string(),
  expires_in_seconds: z.number().int().positive(),
});
export type WsTicket = z.infer<typeof wsTicketSchema>;

/** `POST /api/v1/auth/session`: the dashboards' cookie was set. */
export const authSessionSchema = principalSchema.extend({
  expires_in_seconds: z.number().int().positive(),
});

/**
 * Browsers cannot set headers on a WebSocket, so they offer two subprotocols:
 * this one and the token (`new WebSocket(url, ['phishnet.bearer', jwt])`). The
 * server answers with this one; the token never appears in a URL.
 */
export const WS_BEARER_PROTOCOL = 'phishnet.bearer';

/** WebSocket close codes PhishNet uses beyond the standard ones. */
export const WS_CLOSE = {
  /** The token the connection was opened with has expired. */
  tokenExpired: 4401,
  /** No such job or batch, or not one of yours (the two look the same). */
  notFound: 4404,
  /** Too many messages: the per-connection message rate was exceeded. */
  rateLimited: 4429,
} as const;
