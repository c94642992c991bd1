/** The unit of attachment inspection, shared by the inspectors. */
import { displayName } from './filename.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';

export interface InspectedFile {
  /** Where the file sits, archive members joined by `!/`: `outer.zip!/inner/payload.exe`. */
  path: string;
  name: string | null;
  declaredMime: string | null;
  /** `null` when the content cannot be had (an encrypted archive member): names still count. */
  bytes: Uint8Array | null;
  /** Archive nesting: 0 for the email's own attachments. */
  depth: number;
  /**
   * `part` for the members of an Office package: nobody opens them by name, so
   * only their content counts (an SVG icon inside a .docx is not an HTML attachment).
   */
  role: 'file' | 'part';
}

/** What is left to spend on archives for one email; inspectors subtract as they go. */
export interface WorkBudget {
  expandedBytes: number;
  entries: number;
}

export function createWorkBudget(): WorkBudget {
  return {
    expandedBytes: ATTACHMENT_LIMITS.maxExpandedBytes,
    entries: ATTACHMENT_LIMITS.maxArchiveEntries,
  };
}

/** Evidence for a finding about `file`: its path made readable, then the detail. */
export function evidenceFor(file: InspectedFile, detail?: string): string {
  const where = displayName(file.path);
  return detail === undefined ? where : `${where}: ${detail}`;
}
