import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/local-redis.ts';
import { assertBuilt, runCli } from '../helpers/cli.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('phishnet smoke', () => {
  let stack: TestStack;
  let baseUrl: string;
  beforeAll(async () => {
    assertBuilt();
    stack = await startTestStack({ workers: true });
    baseUrl = await stack.listen();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('passes every check against a running PhishNet, and exits 0', async () => {
    const cli = runCli(['smoke', '--base-url', baseUrl, '--timeout', '60'], {
      PHISHNET_TOKEN: stack.adminToken,
    });
    expect(await cli.exited).toBe(0);
    const out = cli.stdout();
    for (const check of [
      'GET /readyz',
      'POST /api/v1/analysis/submit',
      'WS /ws/jobs/{job_id}',
      'GET /api/v1/analysis/status/{job_id}',
      'POST /api/v1/analysis/submit-bulk',
      'GET /api/v1/analysis/batch/{batch_id}',
      'WS /ws/system',
      'GET /api/v1/workers/status',
      'GET /api/v1/workers/stats',
      'GET /api/v1/workers/queues',
      'GET /api/v1/workers/history',
      'GET /api/v1/workers/dlq',
    ]) {
      expect(out).toContain(`PASS  ${check}`);
    }
    expect(out).toMatch(/PASS {2}GET \/api\/v1\/analysis\/status\/\{job_id\} \(phishing|malicious/);
    expect(out).toMatch(/\d+ passed, 0 failed\n$/);
    expect(out).not.toContain('FAIL');
  });

  it('fails, and exits 1, when nothing listens at the base URL', async () => {
    const cli = runCli(['smoke', '--base-url', `http://127.0.0.1:${await freePort()}`], {});
    expect(await cli.exited).toBe(1);
    expect(cli.stdout()).toContain('FAIL  GET /healthz: ECONNREFUSED');
    expect(cli.stdout()).toContain('FAIL  WS /ws/jobs/{job_id}: no job to follow');
    expect(cli.stdout()).toMatch(/0 passed, \d+ failed\n$/);
  });

  it('fails the checks whose endpoints are not PhishNet', async () => {
    // Under a path prefix the API routes nothing (404) and the web app answers HTML pages.
    const cli = runCli(['smoke', '--base-url', `${baseUrl}/not-phishnet`], {
      PHISHNET_TOKEN: stack.adminToken,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stdout()).toContain('FAIL  GET /readyz: not ready');
    expect(cli.stdout()).toContain('FAIL  POST /api/v1/analysis/submit: HTTP 404');
    expect(cli.stdout()).toContain('FAIL  GET /api/v1/workers/status: the body is not JSON');
    expect(cli.stdout()).not.toContain('PASS');
  });

  it('sends the token as a bearer header, and as a subprotocol on WebSockets', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const upgrades: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(404).end();
    });
    server.on('upgrade', (request, socket) => {
      upgrades.push(request.headers);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cli = runCli(['smoke', '--base-url', `http://127.0.0.1:${port}`], {
        PHISHNET_TOKEN: 'token-from-env',
      });
      expect(await cli.exited).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      for (const headers of seen) expect(headers.authorization).toBe('Bearer token-from-env');
      expect(upgrades[0]?.['sec-websocket-protocol']).toBe('phishnet.bearer,token-from-env');
      expect(upgrades[0]?.authorization).toBe('Bearer token-from-env');

      const flag = runCli(['smoke', '--base-url', `http://127.0.0.1:${port}`, '--token', 'flag'], {
        PHISHNET_TOKEN: 'token-from-env',
      });
      expect(await flag.exited).toBe(1);
      expect(seen.at(-1)?.authorization).toBe('Bearer flag');
    } finally {
      server.close();
    }
  });

  it.each([
    [['--base-url', 'not a url'], /--base-url: "not a url" is not a URL/],
    [['--base-url', 'ftp://example.com'], /expected http:\/\/ or https:\/\//],
    [['--timeout', '0'], /--timeout: expected seconds > 0/],
    [['--bogus'], /Unknown option '--bogus'.*usage: phishnet smoke/],
  ])('exits 2 with one line on stderr for %j', async (args, message) => {
    const cli = runCli(['smoke', ...args], {});
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stdout()).toBe('');
  });
});
