/**
 * The web app as people use it: Debian's Chromium, driven by playwright-core,
 * against the built app, the real API, real workers and Redis. Screenshots of
 * the main pages go to test-output/screenshots/ for people to look at.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import type { TaskProcessor } from '../../src/worker/processors/types.ts';
import { assertBuilt, runCli, type RunningCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/redis-server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const SECRET = 'e2e-web-secret-that-is-long-enough-for-hs256';
const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const WEB_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const EMAILS = fileURLToPath(new URL('../fixtures/emails/', import.meta.url));
/** The deceptive link of the PayPal fixture: its text says paypal.com, it goes to a bare IP. */
const DECEPTIVE_LINK = 'http://198.51.100.23/paypal/webapps/signin/';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function adminToken(): Promise<string> {
  return new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('e2e-admin')
    .setIssuer('phishnet')
    .setAudience('phishnet')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));
}

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Every WebSocket message the page receives, by socket URL. */
function recordFrames(page: Page): { url: string; data: string }[] {
  const frames: { url: string; data: string }[] = [];
  page.on('websocket', (socket) => {
    socket.on('framereceived', (frame) => {
      frames.push({ url: socket.url(), data: String(frame.payload) });
    });
  });
  return frames;
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** The quick scan, paced so its progress can be seen moving; the verdict is the real one. */
const pacedQuickScan: TaskProcessor = async (context) => {
  await context.reportProgress(15);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  await context.reportProgress(55);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  return PROCESSORS.quick_email_scan(context);
};

/** A threat-feed provider that answers 503 until told to recover: its jobs end in the DLQ. */
function flakyFullScan(): { processor: TaskProcessor; recover(): void } {
  let failing = true;
  return {
    processor: (context) =>
      failing
        ? Promise.reject(Object.assign(new Error('provider answered 503'), { status: 503 }))
        : PROCESSORS.full_email_scan(context),
    recover: () => {
      failing = false;
    },
  };
}

describe('the web app in Chromium', () => {
  const flaky = flakyFullScan();
  let stack: TestStack;
  let base: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let frames: { url: string; data: string }[];
  let phishJobId = '';

  beforeAll(async () => {
    if (!existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run npm run build`);
    token = await adminToken();
    stack = await startTestStack({
      workers: true,
      env: {
        PHISHNET_JWT_SECRET: SECRET,
        PHISHNET_RETRY_EXTERNAL_RETRIES: '0',
        PHISHNET_HEARTBEAT_INTERVAL_MS: '500',
      },
      processors: { quick_email_scan: pacedQuickScan, full_email_scan: flaky.processor },
    });
    base = await stack.listen();
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    frames = recordFrames(page);
  }, 60_000);

  afterAll(async () => {
    await context.close();
    await browser.close();
    await stack.close();
  });

  it('signs in with a token', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('Token').waitFor();
    await screenshot(page, 'sign-in');
    await signIn(page, base, token);
    await expect(page.getByRole('heading', { name: 'Submit emails' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('link', { name: 'Workers' }).isVisible()).resolves.toBe(true);

    // Signing in as an admin also set the dashboards' cookie: the seed's URL opens the
    // dashboard itself instead of redirecting to /admin/login.
    await page.goto(`${base}/api/v1/workers/dashboard`);
    await page.getByRole('table', { name: 'Workers' }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/api/v1/workers/dashboard');
  });

  it('uploads a phishing .eml, shows its progress live, and names the deceptive link', async () => {
    await page.goto(`${base}/submit`);
    await page.getByLabel('Email files (.eml)').setInputFiles(`${EMAILS}phish-paypal-ip-link.eml`);
    await screenshot(page, 'submit');
    await page.getByRole('button', { name: 'Submit for analysis' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = UUID.exec(page.url())![0];
    phishJobId = jobId;

    // Progress arrives over the WebSocket while the job runs: the bar moves before the verdict.
    const bar = page.getByRole('progressbar', { name: 'Analysis progress' });
    await until(
      async () => Number(await bar.getAttribute('aria-valuenow', { timeout: 20_000 })),
      (percent) => percent > 0 && percent < 100,
    );
    await screenshot(page, 'job-progress');

    const verdict = page.getByRole('region', { name: 'Verdict' });
    await verdict.waitFor({ timeout: 30_000 });
    expect((await verdict.textContent())?.toLowerCase()).toMatch(/phishing|malicious/);
    const row = page.getByRole('table', { name: 'Links' }).getByRole('row', {
      name: new RegExp(DECEPTIVE_LINK.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
    });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toMatch(/phishing|malicious/);
    expect(rowText).toContain('shown as “www.paypal.com/signin”');
    expect(rowText).toContain('bare IP address');

    const jobFrames = frames
      .filter((frame) => frame.url.endsWith(`/ws/jobs/${jobId}`))
      .map((frame) => JSON.parse(frame.data) as { type: string });
    expect(jobFrames.map((frame) => frame.type)).toContain('progress_update');
    expect(jobFrames.at(-1)?.type).toBe('job_completed');
    await screenshot(page, 'verdict');
  });

  it('submits a batch and shows its counts moving to the end', async () => {
    await page.goto(`${base}/submit`);
    await page
      .getByLabel('Email files (.eml)')
      .setInputFiles(
        ['phish-paypal-ip-link.eml', 'benign-newsletter.eml', 'benign-password-reset.eml'].map(
          (name) => `${EMAILS}${name}`,
        ),
      );
    await page.getByRole('button', { name: 'Submit 3 emails as a batch' }).click();
    await page.waitForURL(/\/batches\/[0-9a-f-]{36}$/);
    const batchId = UUID.exec(page.url())![0];
    const counts = page.getByLabel('Batch counts');
    await counts.waitFor();
    await until(
      async () => (await counts.textContent()) ?? '',
      (text) => text.includes('Pending0') && text.includes('Completed3'),
      40_000,
    );
    const batchFrames = frames
      .filter((frame) => frame.url.endsWith(`/ws/batches/${batchId}`))
      .map((frame) => JSON.parse(frame.data) as { type: string });
    expect(batchFrames.at(-1)?.type).toBe('batch_completed');
    // The verdict breakdown follows once the batch is done.
    await page.getByLabel('Verdicts').getByText('2 clean').waitFor({ timeout: 10_000 });
    await screenshot(page, 'batch');
  });

  it('finds jobs by sender', async () => {
    await page.goto(`${base}/jobs`);
    await page.getByLabel('Sender').fill('paypal');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/jobs\?sender=paypal$/);
    const items = page.getByRole('list', { name: 'Jobs' }).getByRole('listitem');
    await until(
      () => items.count(),
      (count) => count === 2,
      20_000,
    );
    for (const text of await items.allTextContents()) expect(text).toContain('paypal.com');
    await screenshot(page, 'jobs');
  });

  it('replays a dead letter from the dashboard', async () => {
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: { authorization: `Bearer ${token}` },
      payload: {
        subject: 'Quarterly report',
        sender: 'finance@corp.example',
        content: 'See the figures.',
        analysis_type: 'standard',
      },
    });
    expect(submitted.statusCode).toBe(202);
    const jobId = submitted.json<{ job_id: string }>().job_id;
    await until(
      async () =>
        (
          await stack.inject({
            url: '/api/v1/workers/dlq',
            headers: { authorization: `Bearer ${token}` },
          })
        ).json<{ total: number }>().total,
      (total) => total === 1,
    );
    flaky.recover();

    await page.goto(`${base}/dashboard`);
    const table = page.getByRole('table', { name: 'Dead letters' });
    await table.waitFor();
    expect(await table.textContent()).toContain('provider answered 503');
    await page.getByRole('table', { name: 'Workers' }).waitFor();
    await screenshot(page, 'dashboard');
    await table.getByRole('button', { name: `Replay ${jobId}` }).click();
    await page.getByText('the job is back on its lane').waitFor();
    await page.getByText('The dead-letter queue is empty.').waitFor({ timeout: 20_000 });
    const status = await until(
      async () =>
        (
          await stack.inject({
            url: `/api/v1/analysis/status/${jobId}`,
            headers: { authorization: `Bearer ${token}` },
          })
        ).json<{ status: string; replays: number }>(),
      (body) => body.status === 'completed',
    );
    expect(status.replays).toBe(1);
  });

  it('works in a narrow window', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const pages: [string, string, () => Promise<void>][] = [
      ['/jobs', 'jobs-narrow', () => page.getByRole('list', { name: 'Jobs' }).waitFor()],
      [
        `/jobs/${phishJobId}`,
        'verdict-narrow',
        () => page.getByRole('region', { name: 'Verdict' }).waitFor(),
      ],
      [
        '/dashboard',
        'dashboard-narrow',
        () => page.getByRole('table', { name: 'Workers' }).waitFor(),
      ],
    ];
    for (const [path, name, ready] of pages) {
      await page.goto(`${base}${path}`);
      await ready();
      await screenshot(page, name);
      // Nothing wider than the window: wide tables scroll inside their cards.
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  });
});

/**
 * Scaling needs the supervisor of `phishnet start`, so this case runs the real
 * command: one worker process, scaled to two from the dashboard.
 */
describe('scaling workers from the dashboard', () => {
  let cli: RunningCli;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    assertBuilt();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cli = runCli(['start'], {
      REDIS_URL: inject('redisUrl'),
      PORT: String(port),
      PHISHNET_PREFIX: `e2e-web-${randomUUID()}`,
      PHISHNET_MIN_WORKERS: '1',
      PHISHNET_LOG_LEVEL: 'warn',
      PHISHNET_JWT_SECRET: SECRET,
      PHISHNET_HEARTBEAT_INTERVAL_MS: '500',
    });
    await cli.waitFor('PhishNet is running', 30_000);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
    await cli.exited;
  });

  it('scales to a fixed count and sees the workers table change', async () => {
    const token = await adminToken();
    await signIn(page, base, token);
    await page.goto(`${base}/dashboard`);
    const rows = page.getByRole('table', { name: 'Workers' }).getByRole('row');
    await until(
      () => rows.count(),
      (count) => count === 2, // the header and one worker
      30_000,
    );

    await page.getByLabel('Fixed count').check();
    await page.getByLabel('Worker processes').fill('2');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .locator('[role="status"]')
      .filter({ hasText: /worker/i })
      .first()
      .waitFor();
    await until(
      () => rows.count(),
      (count) => count === 3, // the header and two workers
      60_000,
      250,
    );
    await screenshot(page, 'dashboard-scaled');
  });
});
