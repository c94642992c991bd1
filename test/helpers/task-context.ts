import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/config/config.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { TaskName } from '../../src/contracts/queues.ts';
import type { EnginePorts } from '../../src/engine/types.ts';
import { routeSubmission } from '../../src/jobs/routing.ts';
import type { TaskContext } from '../../src/worker/processors/types.ts';

/** What a worker gives a processor, for calling one directly; `progress` collects its reports. */
export function taskContext(
  task: TaskName,
  email: Buffer,
  options: {
    config?: Config;
    ports?: EnginePorts;
    signal?: AbortSignal;
    progress?: number[];
  } = {},
): TaskContext {
  return {
    payload: {
      job_id: randomUUID(),
      task,
      analysis_type: 'standard',
      email_ref: '0'.repeat(64),
      email_bytes: email.byteLength,
      input: { subject: '', sender: '' },
      routing: routeSubmission({ analysisType: 'standard', priority: 'normal' }),
      submitted_at: new Date().toISOString(),
    },
    email,
    config: options.config ?? loadConfig({}),
    ports: options.ports ?? {},
    signal: options.signal ?? new AbortController().signal,
    reportProgress: (percent) => {
      options.progress?.push(percent);
      return Promise.resolve();
    },
    children: () => Promise.reject(new Error('not a flow')),
  };
}
