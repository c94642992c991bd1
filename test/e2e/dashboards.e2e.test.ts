/**
 * The browser side of the security headers and the dashboard sign-in: Swagger
 * UI and bull-board work under the Content-Security-Policy, and an admin gets
 * from the sign-in page to the queues with a token, in Debian's Chromium.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Records every CSP violation a page reports, from before its first script runs. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript({
    content: `window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__violations.push(event.violatedDirective + ' ' + event.blockedURI);
      });`,
  });
  return () => page.evaluate<string[]>('window.__violations');
}

describe.skipIf(!existsSync(CHROMIUM))('the dashboards in a browser', () => {
  let stack: TestStack;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.listen();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('renders the API docs under the Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    await page.goto(`${base}/docs`);
    await expect
      .poll(() => page.locator('.swagger-ui .info .title').textContent(), { timeout: 15_000 })
      .toContain('PhishNet API');
    // The bearer scheme gives the page its Authorize button.
    expect(await page.locator('.swagger-ui .auth-wrapper .authorize').count()).toBe(1);
    expect(await violations()).toEqual([]);
    // The watcher does see a violation when there is one.
    await page.evaluate(
      "document.body.insertAdjacentHTML('beforeend', '<img src=\"http://198.51.100.1/x.png\">')",
    );
    await expect
      .poll(violations)
      .toEqual([expect.stringMatching(/^img-src http:\/\/198\.51\.100\.1/)]);
    await page.close();
  });

  it('takes an admin from the sign-in page to the queues, with no CSP violation', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    await page.goto(`${base}/admin/queues`);
    expect(page.url()).toBe(`${base}/admin/login?next=%2Fadmin%2Fqueues`);
    await page.fill('#token', await stack.token('analyst-in-browser', 'analyst'));
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/only admins/);

    await page.fill('#token', stack.adminToken);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/admin/queues`);
    await expect
      .poll(() => page.locator('body').innerText(), { timeout: 15_000 })
      .toContain('realtime');
    expect(await violations()).toEqual([]);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'phishnet_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.close();
  });

  it('never follows `next` off the site', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin/login?next=${encodeURIComponent('//evil.example/x')}`);
    await page.fill('#token', stack.adminToken);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/admin/queues`);
    await page.close();
  });
});
