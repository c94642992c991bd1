import type { JobKind } from '../../contracts/queues.ts';
import { comprehensiveAnalysis } from './comprehensive-analysis.ts';
import { deepAttachmentScan } from './deep-attachment-scan.ts';
import { fullEmailScan } from './full-email-scan.ts';
import { linkSafetyCheck } from './link-safety-check.ts';
import { mlThreatDetection } from './ml-threat-detection.ts';
import { quickEmailScan } from './quick-email-scan.ts';
import { sandboxAnalysis } from './sandbox-analysis.ts';
import { threatIntelligenceLookup } from './threat-intelligence-lookup.ts';
import type { TaskProcessor } from './types.ts';

/** The processor of every job kind in the task table. */
export const PROCESSORS: Record<JobKind, TaskProcessor> = {
  quick_email_scan: quickEmailScan,
  full_email_scan: fullEmailScan,
  link_safety_check: linkSafetyCheck,
  ml_threat_detection: mlThreatDetection,
  threat_intelligence_lookup: threatIntelligenceLookup,
  deep_attachment_scan: deepAttachmentScan,
  sandbox_analysis: sandboxAnalysis,
  comprehensive_analysis: comprehensiveAnalysis,
};
