/**
 * What in VBA source is worth reporting. Names follow olevba's keyword lists,
 * trimmed to what phishing droppers actually use.
 */

/** Procedures Office runs by itself when a document opens, closes or is created. */
const AUTOEXEC_PROCEDURES = [
  'AutoExec',
  'AutoOpen',
  'Auto_Open',
  'AutoClose',
  'Auto_Close',
  'AutoNew',
  'Document_Open',
  'Document_Close',
  'Document_New',
  'Document_ContentControlOnEnter',
  'DocumentOpen',
  'Workbook_Open',
  'Workbook_Activate',
  'Workbook_BeforeClose',
  'Workbook_Close',
] as const;

const AUTOEXEC_PATTERN = new RegExp(
  `\\b(?:Sub|Function)\\s+(${AUTOEXEC_PROCEDURES.join('|')})\\b`,
  'gi',
);

interface SuspiciousRule {
  label: string;
  pattern: RegExp;
  /** Matches needed before the rule counts; above 1 for things that are only odd in bulk. */
  minCount: number;
}

const SUSPICIOUS_RULES: readonly SuspiciousRule[] = [
  { label: 'Shell', pattern: /\bShell(?:Execute)?\s*[(\s]/gi, minCount: 1 },
  { label: 'WScript.Shell', pattern: /WScript\.Shell/gi, minCount: 1 },
  { label: 'Shell.Application', pattern: /Shell\.Application/gi, minCount: 1 },
  { label: 'CreateObject', pattern: /\bCreateObject\s*\(/gi, minCount: 1 },
  { label: 'GetObject', pattern: /\bGetObject\s*\(/gi, minCount: 1 },
  { label: 'URLDownloadToFile', pattern: /\bURLDownloadToFile/gi, minCount: 1 },
  { label: 'PowerShell', pattern: /powershell/gi, minCount: 1 },
  { label: 'XMLHTTP', pattern: /(?:Server)?XMLHTTP|WinHttp/gi, minCount: 1 },
  { label: 'ADODB.Stream', pattern: /ADODB\.Stream/gi, minCount: 1 },
  { label: 'Environ', pattern: /\bEnviron\$?\s*\(/gi, minCount: 1 },
  { label: 'CallByName', pattern: /\bCallByName\b/gi, minCount: 1 },
  {
    label: 'Windows API',
    pattern: /\bDeclare\s+(?:PtrSafe\s+)?(?:Function|Sub)\s+\w+\s+Lib\b/gi,
    minCount: 1,
  },
  { label: 'Chr obfuscation', pattern: /\bChrW?\$?\s*\(/gi, minCount: 10 },
  { label: 'StrReverse', pattern: /\bStrReverse\s*\(/gi, minCount: 1 },
];

export interface MacroScan {
  autoexec: string[];
  suspicious: string[];
}

export function scanMacroSource(source: string): MacroScan {
  const autoexec = [...new Set([...source.matchAll(AUTOEXEC_PATTERN)].map((m) => m[1] ?? ''))];
  const suspicious = SUSPICIOUS_RULES.filter(
    (rule) => (source.match(rule.pattern)?.length ?? 0) >= rule.minCount,
  ).map((rule) => rule.label);
  return { autoexec, suspicious };
}
