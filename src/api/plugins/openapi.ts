import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The OpenAPI document is generated from the routes' zod schemas; its UI is at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'PhishNet API',
        description:
          'Submit emails for phishing analysis and follow their jobs. Errors are `{ error: { code, message, details? }, requestId }`; the codes are listed in docs/errors.md.',
        version,
      },
      tags: [
        { name: 'analysis', description: 'Submit emails and read verdicts' },
        { name: 'workers', description: 'Workers, queues and the dead-letter queue' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'auth', description: 'Who you are, WebSocket tickets, dashboard sign-in' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A token with `sub`, `role` (analyst or admin) and `exp`; `phishnet token --sub you --role analyst` mints one.',
          },
        },
      },
    },
    transform: (input) => {
      const output = jsonSchemaTransform(input);
      // Every /api route needs the bearer token; the auth hook enforces it, this documents it.
      if (!input.url.startsWith('/api/')) return output;
      return { ...output, schema: { ...output.schema, security: [{ bearerAuth: [] }] } };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
