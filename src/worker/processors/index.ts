import type { TaskName } from '../../contracts/queues.ts';
import { AppError } from '../../lib/errors.ts';
import { quickEmailScan } from './quick-email-scan.ts';
import type { TaskProcessor } from './types.ts';

const notImplemented =
  (task: TaskName): TaskProcessor =>
  () =>
    Promise.reject(
      new AppError(
        'TASK_NOT_IMPLEMENTED',
        `${task} is not implemented yet; use analysis_type "quick"`,
      ),
    );

/** The processor of every task in the task table. */
export const PROCESSORS: Record<TaskName, TaskProcessor> = {
  quick_email_scan: quickEmailScan,
  full_email_scan: notImplemented('full_email_scan'),
  link_safety_check: notImplemented('link_safety_check'),
  ml_threat_detection: notImplemented('ml_threat_detection'),
  threat_intelligence_lookup: notImplemented('threat_intelligence_lookup'),
  deep_attachment_scan: notImplemented('deep_attachment_scan'),
  sandbox_analysis: notImplemented('sandbox_analysis'),
};
