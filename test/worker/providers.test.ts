/**
 * The external providers, against a local HTTP server standing in for them: the intel
 * provider of threat_intelligence_lookup and the sandbox of sandbox_analysis. What they
 * answer becomes findings; whatever goes wrong on their side is an `external` failure.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { classifyFailure } from '../../src/jobs/failures.ts';
import { isAppError } from '../../src/lib/errors.ts';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import type { TaskContext } from '../../src/worker/processors/types.ts';
import type { TaskName } from '../../src/contracts/queues.ts';
import { fixture } from '../helpers/stack.ts';
import { taskContext } from '../helpers/task-context.ts';
import { freePort } from '../helpers/redis-server.ts';

interface Received {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** Answers each request with `respond`; remembers what it was sent. */
let respond: (req: Received, res: ServerResponse) => void = (_req, res) => res.end('{}');
const received: Received[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      };
      received.push(request);
      respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
});

const json = (body: unknown) => (_req: Received, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

function contextFor(
  task: TaskName,
  email: Buffer,
  env: Record<string, string>,
  signal?: AbortSignal,
): TaskContext {
  return taskContext(task, email, { config: loadConfig(env), ...(signal ? { signal } : {}) });
}

/** The task's rejection, which must be TASK_PROVIDER_FAILED, classified `external`. */
async function providerFailure(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isAppError(error, 'TASK_PROVIDER_FAILED'))
    throw new Error(`not a provider failure: ${String(error)}`);
  expect(classifyFailure(error)).toBe('external');
  return error.message;
}

describe('threat_intelligence_lookup with an intel provider', () => {
  const lookup = (env: Record<string, string> = {}, signal?: AbortSignal) =>
    PROCESSORS.threat_intelligence_lookup(
      contextFor(
        'threat_intelligence_lookup',
        fixture('phish-paypal-ip-link.eml'),
        {
          PHISHNET_INTEL_PROVIDER_URL: `${base}/lookup`,
          PHISHNET_INTEL_PROVIDER_API_KEY: 'k-123',
          ...env,
        },
        signal,
      ),
    );

  it('asks about the email’s indicators and scores what the provider lists as a feed listing', async () => {
    respond = json({
      matches: [
        { type: 'ip', value: '198.51.100.23', description: 'phishing kit host' },
        { type: 'domain', value: 'not an indicator!' },
      ],
    });
    const result = await lookup();
    const [request] = received;
    expect(request?.authorization).toBe('Bearer k-123');
    expect(request?.body).toMatchObject({
      urls: expect.arrayContaining(['http://198.51.100.23/paypal/webapps/signin/']) as unknown,
      ips: ['198.51.100.23'],
    });
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'intel.ip_listed', score: 75 }),
        expect.objectContaining({
          id: 'intel.provider_consulted',
          evidence: expect.stringMatching(
            /lists 1 of \d+ indicators: 198\.51\.100\.23 \(phishing kit host\)/,
          ) as unknown,
        }),
      ]),
    );
    expect(result.verdict).not.toBe('clean');
  });

  it('reports its progress in order: asked, then matched', async () => {
    respond = json({ matches: [] });
    const progress: number[] = [];
    const config = loadConfig({ PHISHNET_INTEL_PROVIDER_URL: `${base}/lookup` });
    await PROCESSORS.threat_intelligence_lookup(
      taskContext('threat_intelligence_lookup', fixture('phish-paypal-ip-link.eml'), {
        config,
        progress,
      }),
    );
    expect(progress).toEqual([10, 60, 90]);
    expect(received[0]?.authorization).toBeUndefined();
  });

  it('says so when the provider lists nothing, and the verdict is the feed store’s alone', async () => {
    respond = json({ matches: [] });
    const result = await lookup();
    expect(result.findings.map((f) => f.id)).toEqual(['intel.provider_consulted']);
    expect(result.verdict).toBe('clean');
  });

  it('sends no request for an email with nothing to look up', async () => {
    const result = await PROCESSORS.threat_intelligence_lookup(
      taskContext('threat_intelligence_lookup', Buffer.from('Subject: hi\r\n\r\nNo links here.'), {
        config: loadConfig({ PHISHNET_INTEL_PROVIDER_URL: `${base}/lookup` }),
      }),
    );
    expect(received).toHaveLength(0);
    expect(result.findings.find((f) => f.id === 'intel.provider_consulted')?.evidence).toMatch(
      /^no indicators to ask 127\.0\.0\.1:\d+ about$/,
    );
  });

  it('fails as `external` on an error status, a wrong answer, silence, or no server', async () => {
    respond = (_req, res) => res.writeHead(503).end('busy');
    expect(await providerFailure(lookup())).toMatch(/answered HTTP 503/);
    respond = (_req, res) => res.end('<html>');
    expect(await providerFailure(lookup())).toMatch(/not JSON/);
    respond = json({ matches: [{ type: 'planet', value: 'mars' }] });
    expect(await providerFailure(lookup())).toMatch(/unexpected shape/);
    respond = json({ matches: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    expect(await providerFailure(lookup())).toMatch(/answered more than 1048576 bytes/);
    respond = () => undefined; // never answers
    expect(await providerFailure(lookup({ PHISHNET_PROVIDER_TIMEOUT_MS: '200' }))).toMatch(
      /did not answer within 200 ms/,
    );
    const nobody = `http://127.0.0.1:${await freePort()}/lookup`;
    expect(await providerFailure(lookup({ PHISHNET_INTEL_PROVIDER_URL: nobody }))).toMatch(
      /could not be reached: .*ECONNREFUSED/,
    );
  });

  it('stops with the job’s own reason when the job is stopped while it waits', async () => {
    respond = () => undefined;
    const controller = new AbortController();
    const run = lookup({}, controller.signal);
    setTimeout(() => {
      controller.abort(new Error('cancelled by the test'));
    }, 100);
    await expect(run).rejects.toThrow('cancelled by the test');
  });
});

describe('sandbox_analysis with an external sandbox', () => {
  const email = fixture('attachment-double-extension.eml');
  const analyse = () =>
    PROCESSORS.sandbox_analysis(
      contextFor('sandbox_analysis', email, {
        PHISHNET_SANDBOX_URL: `${base}/detonate`,
        PHISHNET_SANDBOX_API_KEY: 's-456',
      }),
    );

  it('sends each attachment and turns a malicious report into a finding', async () => {
    respond = json({
      verdict: 'malicious',
      signatures: ['spawns powershell', 'writes to Run key'],
      report_url: 'https://sandbox.example/r/1',
    });
    const result = await analyse();
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.authorization).toBe('Bearer s-456');
    const content = Buffer.from(String(request?.body.content_base64), 'base64');
    expect(request?.body.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(result.attachments.map((a) => a.sha256)).toContain(request?.body.sha256);
    const ids = result.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['sandbox.malicious', 'sandbox.dynamic_analysis']));
    expect(ids).not.toContain('sandbox.static_isolation');
    expect(result.findings.find((f) => f.id === 'sandbox.malicious')?.evidence).toMatch(
      /spawns powershell.*report https:\/\/sandbox\.example\/r\/1/,
    );
    expect(result.verdict).toBe('malicious');
  });

  it('adds no finding for a clean report, but says what ran', async () => {
    respond = json({ verdict: 'clean' });
    const result = await analyse();
    expect(result.findings.find((f) => f.id === 'sandbox.dynamic_analysis')?.evidence).toMatch(
      /ran 1 attachment\(s\): 0 malicious, 0 suspicious, 1 clean/,
    );
    expect(result.findings.map((f) => f.id)).not.toContain('sandbox.malicious');
  });

  it('fails as `external` when the sandbox fails', async () => {
    respond = (_req, res) => res.writeHead(429).end();
    expect(await providerFailure(analyse())).toMatch(/answered HTTP 429/);
  });
});
