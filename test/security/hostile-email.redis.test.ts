/**
 * Mail written by attackers, through the real API and real workers: fuzzed
 * MIME, a zip bomb, ten thousand nested multiparts, header injection and
 * invalid UTF-8 each end in a clear error or a safe finding, never a crash, and
 * the API and the workers keep serving afterwards.
 */
import fc from 'fast-check';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskPayload } from '../../src/contracts/queues.ts';
import { nestedMultiparts, zipBombEmail } from '../helpers/hostile-emails.ts';
import { startTestStack, waitForJob, type TestStack } from '../helpers/stack.ts';

interface Finding {
  id: string;
  evidence: string;
}
interface Result {
  verdict: string;
  findings: Finding[];
}

/** MIME-shaped text with every part of it drawn at random: headers, boundaries, nesting, bodies. */
const mimeMessage: fc.Arbitrary<Buffer> = fc.letrec<{ entity: string; message: Buffer }>((tie) => ({
  entity: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'text/html',
          'application/octet-stream',
          'image/png',
          'message/rfc822',
        ),
        fc.constantFrom('7bit', 'base64', 'quoted-printable', '8bit', 'x-unknown', ''),
        fc.string({ maxLength: 200 }),
      )
      .map(
        ([type, encoding, body]) =>
          `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`,
      ),
    fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{0,20}$/),
        fc.array(tie('entity'), { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([boundary, parts, terminate]) =>
        [
          `Content-Type: multipart/${boundary.length % 2 ? 'mixed' : 'alternative'}; boundary="${boundary}"\r\n\r\npreamble\r\n`,
          ...parts.map((part) => `--${boundary}\r\n${part}\r\n`),
          terminate ? `--${boundary}--\r\n` : '',
        ].join(''),
      ),
  ),
  message: fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom(
            'From',
            'To',
            'Subject',
            'Received',
            'DKIM-Signature',
            'Authentication-Results',
            'X-Weird',
            'Content-Type',
          ),
          fc.string({ maxLength: 120 }),
        ),
        { maxLength: 12 },
      ),
      tie('entity'),
      fc.uint8Array({ maxLength: 64 }),
      fc.nat(),
    )
    .map(([headers, entity, noise, cut]) => {
      const text = `${headers.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n${entity}`;
      const bytes = Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from(noise)]);
      // Sometimes cut short, as truncated uploads are.
      return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
    }),
})).message;

describe('hostile emails against the API and the workers', () => {
  let stack: TestStack;

  const submit = (payload: Record<string, unknown>) =>
    stack.inject({ method: 'POST', url: '/api/v1/analysis/submit', payload });

  async function expectStillServing(): Promise<void> {
    expect((await stack.inject({ url: '/readyz' })).statusCode).toBe(200);
    const response = await submit({ content: 'Lunch at noon?', analysis_type: 'quick' });
    expect(response.statusCode).toBe(202);
    const status = await waitForJob(stack, response.json<{ job_id: string }>().job_id, 30_000);
    expect(status.status).toBe('completed');
  }

  beforeAll(async () => {
    stack = await startTestStack({ workers: true });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('turns fuzzed MIME into 202s and clear 4xx errors, and every accepted one into a verdict', async () => {
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(mimeMessage, async (email) => {
        const response = await submit({ raw: email.toString('base64'), analysis_type: 'quick' });
        expect([202, 400, 413], response.body).toContain(response.statusCode);
        if (response.statusCode === 202) accepted.push(response.json<{ job_id: string }>().job_id);
        else
          expect(response.json()).toMatchObject({ error: { code: expect.any(String) as unknown } });
      }),
      { numRuns: 40 },
    );
    expect(accepted.length).toBeGreaterThan(20);
    for (const jobId of accepted) {
      const status = await waitForJob(stack, jobId, 60_000);
      expect(status.status, JSON.stringify(status.error)).toBe('completed');
    }
    await expectStillServing();
  }, 180_000);

  it('analyses a zip bomb to a finding without inflating it', async () => {
    const response = await submit({
      raw: Buffer.from(zipBombEmail()).toString('base64'),
      analysis_type: 'comprehensive',
    });
    expect(response.statusCode).toBe(202);
    const status = await waitForJob(stack, response.json<{ job_id: string }>().job_id, 90_000);
    expect(status.status).toBe('completed');
    const result = status.result as Result;
    expect(result.findings.map((f) => f.id)).toContain('attachments.archive_bomb');
    expect(result.verdict).not.toBe('clean');
    await expectStillServing();
  }, 120_000);

  it('refuses ten thousand nested multiparts with a clear 400, quickly, and keeps serving', async () => {
    const response = await submit({ raw: nestedMultiparts(10_000), analysis_type: 'quick' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: {
        code: 'API_EMAIL_MIME_TOO_DEEP',
        message:
          'the email has MIME parts nested more than 50 deep (PHISHNET_MAX_MIME_DEPTH), in its part at depth 51',
      },
    });
    await expectStillServing();
  });

  it('keeps line breaks in subject and sender from forging header fields', async () => {
    const response = await submit({
      subject: 'Invoice\r\nBcc: everyone@example.com',
      sender: 'ap@example.org\nReply-To: attacker@evil.example\r\n\r\n<script>x</script>',
      content: 'Please pay.',
      analysis_type: 'quick',
    });
    expect(response.statusCode).toBe(202);
    const jobId = response.json<{ job_id: string }>().job_id;
    const job = (await stack.jobs.queues.realtime.getJob(jobId)) as Job<TaskPayload>;
    const stored = Buffer.from((await stack.jobs.blobs.get(job.data.email_ref))!).toString('utf8');
    const header = stored.slice(0, stored.indexOf('\r\n\r\n'));
    expect(header).not.toMatch(/^(Bcc|Reply-To):/im);
    expect(header.split('\r\n').filter((line) => line.startsWith('From:'))).toHaveLength(1);
    expect((await waitForJob(stack, jobId)).status).toBe('completed');
  });

  it('reads invalid UTF-8 as evidence, not as an error', async () => {
    const bytes = Buffer.concat([
      Buffer.from('From: a@example.org\r\nSubject: caf'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody '),
      Buffer.from([0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]),
      Buffer.from(' http://198.51.100.4/login\r\n'),
    ]);
    const response = await submit({ raw: bytes.toString('base64'), analysis_type: 'quick' });
    expect(response.statusCode).toBe(202);
    const status = await waitForJob(stack, response.json<{ job_id: string }>().job_id);
    expect(status.status).toBe('completed');
    const findings = (status.result as Result).findings;
    expect(findings.find((f) => f.id === 'parser.malformed')?.evidence).toMatch(/8-bit/);

    // Invalid UTF-8 in the JSON itself is read, not a crash.
    const json = Buffer.concat([
      Buffer.from('{"content":"bad '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('","analysis_type":"quick"}'),
    ]);
    const raw = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: { 'content-type': 'application/json' },
      payload: json,
    });
    expect([202, 400]).toContain(raw.statusCode);
    await expectStillServing();
  });
});
