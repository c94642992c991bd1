/**
 * What the attachment analyzer can report. Critical findings make an email
 * malicious on their own (see verdict.ts), so only what has no benign reading
 * is critical.
 */
import { defineFindings, type FindingRule } from '../findings.ts';

const RULES = {
  type_mismatch: {
    severity: 'medium',
    score: 45,
    explanation: 'The file content is not of the type its name or declared MIME type claims.',
  },
  double_extension: {
    severity: 'critical',
    score: 95,
    explanation: 'The file name hides a dangerous extension behind a harmless-looking one.',
  },
  rtlo_filename: {
    severity: 'critical',
    score: 90,
    explanation:
      'The file name contains a right-to-left override character, which makes its real extension display reversed.',
  },
  executable: {
    severity: 'critical',
    score: 95,
    explanation: 'The attachment is an executable program.',
  },
  script: {
    severity: 'critical',
    score: 95,
    explanation: 'The attachment is a script that Windows runs when opened.',
  },
  shortcut: {
    severity: 'critical',
    score: 95,
    explanation: 'The attachment is a shortcut file, a common way to run commands when clicked.',
  },
  disk_image: {
    severity: 'high',
    score: 70,
    explanation:
      'The attachment is a disk image, often used to deliver malware past Mark-of-the-Web protection.',
  },
  onenote: {
    severity: 'high',
    score: 70,
    explanation: 'The attachment is a OneNote notebook, often used to embed clickable malware.',
  },
  html: {
    severity: 'medium',
    score: 45,
    explanation:
      'The attachment is an HTML or SVG page, which opens in a browser outside mail filtering.',
  },
  html_credential_form: {
    severity: 'high',
    score: 80,
    explanation: 'The HTML attachment contains a password form, a typical local phishing page.',
  },
  html_smuggling: {
    severity: 'high',
    score: 85,
    explanation: 'The HTML attachment decodes embedded data into a download (HTML smuggling).',
  },
  archive_bomb: {
    severity: 'high',
    score: 80,
    explanation:
      'The archive expands beyond safe limits (a decompression bomb), so it was not fully inspected.',
  },
  archive_too_deep: {
    severity: 'medium',
    score: 50,
    explanation:
      'Archives are nested deeper than is inspected, a way to hide content from scanners.',
  },
  archive_unsupported: {
    severity: 'low',
    score: 15,
    explanation: 'The archive format cannot be opened here, so its content was not inspected.',
  },
  encrypted_archive: {
    severity: 'high',
    score: 65,
    explanation:
      'The archive is password-protected, which hides its content from scanners; malware is often sent this way.',
  },
  malformed: {
    severity: 'medium',
    score: 40,
    explanation: 'The file is structurally broken, which can be an attempt to confuse scanners.',
  },
  office_macro: {
    severity: 'medium',
    score: 50,
    explanation: 'The Office document contains VBA macros.',
  },
  macro_autoexec: {
    severity: 'critical',
    score: 90,
    explanation: 'A macro runs automatically when the document is opened or closed.',
  },
  macro_suspicious: {
    severity: 'high',
    score: 80,
    explanation: 'The macro code runs programs, downloads files or hides strings.',
  },
  office_remote_template: {
    severity: 'critical',
    score: 90,
    explanation:
      'The document loads a template or object from a remote address when opened (template injection).',
  },
  pdf_javascript: {
    severity: 'high',
    score: 75,
    explanation: 'The PDF contains JavaScript.',
  },
  pdf_launch: {
    severity: 'critical',
    score: 90,
    explanation: 'The PDF contains a Launch action, which can start programs.',
  },
  pdf_embedded_file: {
    severity: 'medium',
    score: 40,
    explanation: 'The PDF carries embedded files.',
  },
  pdf_open_action: {
    severity: 'low',
    score: 15,
    explanation: 'The PDF runs an action automatically when opened or when pages are viewed.',
  },
  pdf_submit_form: {
    severity: 'medium',
    score: 50,
    explanation: 'The PDF contains a form that submits its fields to a web address.',
  },
  pdf_uri: {
    severity: 'info',
    score: 5,
    explanation: 'The PDF links to web addresses.',
  },
} as const satisfies Record<string, FindingRule>;

export type AttachmentFindingKey = keyof typeof RULES;

export const attachmentFinding = defineFindings<AttachmentFindingKey>('attachments', RULES);
