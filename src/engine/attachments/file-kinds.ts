/**
 * File kinds: the coarse classes the analyzer reasons about, and the tables
 * that map extensions and MIME types onto them.
 */
import type { AttachmentFindingKey } from './findings.ts';

export const FILE_KINDS = [
  'executable',
  'script',
  'shortcut',
  'disk_image',
  'onenote',
  'html',
  'archive',
  'office',
  'pdf',
  'image',
  'media',
  'text',
  'other',
] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const EXTENSIONS_BY_KIND: Readonly<Record<FileKind, readonly string[]>> = {
  executable: [
    'exe',
    'dll',
    'scr',
    'com',
    'pif',
    'cpl',
    'msi',
    'msp',
    'jar',
    'xll',
    'apk',
    'elf',
    'macho',
  ],
  script: [
    'js',
    'jse',
    'vbs',
    'vbe',
    'vb',
    'wsf',
    'wsh',
    'wsc',
    'sct',
    'ps1',
    'psm1',
    'bat',
    'cmd',
    'hta',
    'reg',
    'sh',
  ],
  shortcut: ['lnk', 'url', 'scf'],
  disk_image: ['iso', 'img', 'vhd', 'vhdx', 'dmg', 'udf'],
  onenote: ['one', 'onepkg'],
  html: ['htm', 'html', 'shtml', 'xhtml', 'xht', 'mht', 'mhtml', 'svg'],
  archive: [
    'zip',
    'rar',
    '7z',
    'gz',
    'tgz',
    'tar',
    'bz2',
    'xz',
    'cab',
    'arj',
    'lzh',
    'ace',
    'z',
    'lz',
    'zst',
    'tar.gz',
  ],
  office: [
    'doc',
    'docx',
    'docm',
    'dot',
    'dotx',
    'dotm',
    'xls',
    'xlsx',
    'xlsm',
    'xlsb',
    'xlt',
    'xltx',
    'xltm',
    'xla',
    'xlam',
    'ppt',
    'pptx',
    'pptm',
    'pps',
    'ppsx',
    'ppsm',
    'potx',
    'potm',
    'rtf',
    'odt',
    'ods',
    'odp',
    'cfb',
  ],
  pdf: ['pdf'],
  image: ['jpg', 'jpeg', 'png', 'apng', 'gif', 'bmp', 'webp', 'tif', 'tiff', 'ico', 'heic', 'avif'],
  media: ['mp3', 'mp4', 'm4a', 'wav', 'ogg', 'mov', 'avi', 'mkv', 'webm'],
  text: ['txt', 'csv', 'log', 'xml', 'json', 'ics', 'vcf'],
  other: [],
};

const KIND_BY_EXTENSION: ReadonlyMap<string, FileKind> = new Map(
  FILE_KINDS.flatMap((kind) => EXTENSIONS_BY_KIND[kind].map((ext) => [ext, kind] as const)),
);

export function kindOfExtension(ext: string | null): FileKind | null {
  return ext === null ? null : (KIND_BY_EXTENSION.get(ext.toLowerCase()) ?? null);
}

/**
 * Patterns ending in `/`, `.` or `-` are prefixes, the rest exact types. First
 * match wins, so specific types come before their family's prefix.
 */
const MIME_KINDS: readonly (readonly [pattern: string, kind: FileKind])[] = [
  ['image/svg+xml', 'html'],
  ['text/html', 'html'],
  ['application/xhtml+xml', 'html'],
  ['application/pdf', 'pdf'],
  ['application/x-msdownload', 'executable'],
  ['application/x-dosexec', 'executable'],
  ['application/x-msdos-program', 'executable'],
  ['application/vnd.microsoft.portable-executable', 'executable'],
  ['application/x-ms-installer', 'executable'],
  ['application/java-archive', 'executable'],
  ['application/javascript', 'script'],
  ['application/x-javascript', 'script'],
  ['text/javascript', 'script'],
  ['text/vbscript', 'script'],
  ['application/hta', 'script'],
  ['application/x-ms-shortcut', 'shortcut'],
  ['application/x-iso9660-image', 'disk_image'],
  ['application/onenote', 'onenote'],
  ['application/zip', 'archive'],
  ['application/x-zip-compressed', 'archive'],
  ['application/x-rar-compressed', 'archive'],
  ['application/vnd.rar', 'archive'],
  ['application/x-7z-compressed', 'archive'],
  ['application/gzip', 'archive'],
  ['application/msword', 'office'],
  ['application/vnd.ms-', 'office'],
  ['application/vnd.openxmlformats-officedocument.', 'office'],
  ['application/vnd.oasis.opendocument.', 'office'],
  ['application/rtf', 'office'],
  ['image/', 'image'],
  ['audio/', 'media'],
  ['video/', 'media'],
  ['text/plain', 'text'],
  ['text/csv', 'text'],
];

/** `null` for types that claim nothing, such as application/octet-stream. */
export function kindOfMime(mime: string | null): FileKind | null {
  if (mime === null) return null;
  const type = mime.toLowerCase().split(';')[0]?.trim() ?? '';
  const match = MIME_KINDS.find(([pattern]) =>
    pattern.endsWith('/') || pattern.endsWith('.') || pattern.endsWith('-')
      ? type.startsWith(pattern)
      : type === pattern,
  );
  return match?.[1] ?? null;
}

/**
 * Detected kinds a declared kind may legitimately have: OOXML, JAR and APK are
 * zip files, MSI and legacy Office are OLE files, SVG is XML, scripts are text.
 */
const COMPATIBLE_KINDS: Readonly<Record<FileKind, readonly FileKind[]>> = {
  executable: ['archive', 'office'],
  script: ['text', 'html'],
  shortcut: ['text'],
  disk_image: [],
  onenote: [],
  html: ['text', 'script'],
  archive: ['office', 'executable'],
  office: ['archive', 'text'],
  pdf: [],
  image: [],
  media: [],
  text: ['script', 'html'],
  other: [],
};

export function isCompatibleKind(declared: FileKind, detected: FileKind): boolean {
  return declared === detected || COMPATIBLE_KINDS[declared].includes(detected);
}

/** Kinds that are findings in themselves, whatever their content. */
export const DANGEROUS_KIND_FINDINGS: Partial<Record<FileKind, AttachmentFindingKey>> = {
  executable: 'executable',
  script: 'script',
  shortcut: 'shortcut',
  disk_image: 'disk_image',
  onenote: 'onenote',
  html: 'html',
};

export function isDangerousKind(kind: FileKind): boolean {
  return DANGEROUS_KIND_FINDINGS[kind] !== undefined;
}
