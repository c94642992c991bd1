import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/contracts/analysis-result.ts';
import { TASK_NAMES, type TaskName } from '../../src/contracts/queues.ts';
import { loadConfig } from '../../src/config/config.ts';
import { loadModel } from '../../src/worker/adapters/model.ts';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import type { TaskContext } from '../../src/worker/processors/types.ts';
import { fixture } from '../helpers/stack.ts';
import { taskContext } from '../helpers/task-context.ts';

const config = loadConfig({});
const model = loadModel();

function contextFor(task: TaskName, email: Buffer, progress: number[] = []): TaskContext {
  return taskContext(task, email, { config, ports: { model }, progress });
}

const EXPECTED_ANALYZERS: Record<TaskName, string[]> = {
  quick_email_scan: ['parser', 'headers', 'links', 'content'],
  full_email_scan: ['parser', 'headers', 'links', 'content', 'ml', 'intel'],
  link_safety_check: ['parser', 'links', 'intel'],
  ml_threat_detection: ['parser', 'ml'],
  threat_intelligence_lookup: ['parser', 'intel'],
  deep_attachment_scan: ['parser', 'attachments', 'intel'],
  sandbox_analysis: ['parser', 'attachments', 'sandbox'],
};

describe('every task runs real analysis', () => {
  it.each(TASK_NAMES)(
    '%s analyses the email with its analyzers and reports progress',
    async (task) => {
      const progress: number[] = [];
      const result = await PROCESSORS[task](
        contextFor(task, fixture('phish-paypal-ip-link.eml'), progress),
      );
      expect(result.analyzers).toEqual(EXPECTED_ANALYZERS[task]);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    },
  );

  it('full_email_scan weighs the model: a phish scores phishing or worse, with the model finding', async () => {
    const result = await PROCESSORS.full_email_scan(
      contextFor('full_email_scan', fixture('phish-paypal-ip-link.eml')),
    );
    expect(['phishing', 'malicious']).toContain(result.verdict);
    expect(result.findings.map((f) => f.id)).toContain('ml.phishing_probability');
  });

  it('deep_attachment_scan finds a dangerous attachment', async () => {
    const result = await PROCESSORS.deep_attachment_scan(
      contextFor('deep_attachment_scan', fixture('attachment-double-extension.eml')),
    );
    expect(result.verdict).toBe('malicious');
    expect(result.attachments.length).toBeGreaterThan(0);
    expect(result.attachments[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sandbox_analysis says plainly that it is static analysis in isolation', async () => {
    const result = await PROCESSORS.sandbox_analysis(
      contextFor('sandbox_analysis', fixture('attachment-double-extension.eml')),
    );
    const note = result.findings.find((f) => f.id === 'sandbox.static_isolation');
    expect(note?.explanation).toMatch(/isolated process.*no external/);
    expect(result.verdict).toBe('malicious');
  });

  it('the comprehensive parent merges its children into one verdict', async () => {
    const email = fixture('attachment-double-extension.eml');
    const children: AnalysisResult[] = await Promise.all(
      (['full_email_scan', 'deep_attachment_scan'] as const).map((task) =>
        PROCESSORS[task](contextFor(task, email)),
      ),
    );
    const context: TaskContext = {
      ...contextFor('full_email_scan', email),
      children: () => Promise.resolve({ results: children, failed: { sandbox_analysis: 'boom' } }),
    };
    const merged = await PROCESSORS.comprehensive_analysis(context);
    expect(merged.verdict).toBe('malicious');
    expect(merged.analyzers).toEqual(expect.arrayContaining(['ml', 'attachments', 'headers']));
    expect(merged.findings.map((f) => f.id)).toContain('flow.part_failed');
  });
});

describe('link_safety_check with redirect resolution on', () => {
  it('refuses to follow a link to a loopback address and says so', async () => {
    const email = Buffer.from(
      'From: a@example.com\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n<a href="http://127.0.0.1:9/admin">open</a>',
    );
    const context: TaskContext = {
      ...contextFor('link_safety_check', email),
      config: loadConfig({ PHISHNET_RESOLVE_REDIRECTS: 'true' }),
    };
    const result = await PROCESSORS.link_safety_check(context);
    const finding = result.findings.find((f) => f.id === 'links.redirect_to_private_address');
    expect(finding?.evidence).toContain('127.0.0.1');
    expect(result.verdict).not.toBe('clean');
  });
});
