/**
 * Zip archives, opened member by member within the email's work budget.
 * Sizes are judged from the central directory before anything is inflated,
 * and inflation stops at the declared size, so a bomb costs at most the
 * budget and becomes a finding.
 */
import type { Finding } from '../../contracts/analysis-result.ts';
import { displayName } from './filename.ts';
import { type AttachmentFindingKey, attachmentFinding } from './findings.ts';
import { type InspectedFile, type WorkBudget, evidenceFor } from './inspected-file.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';
import {
  ZIP_METHOD_DEFLATED,
  ZIP_METHOD_STORED,
  type ZipEntry,
  entryData,
  expandEntry,
  readZipDirectory,
} from './zip.ts';

export type InspectMember = (member: InspectedFile) => Promise<Finding[]>;

/** Marks an Office Open XML package, whose members are parts rather than files. */
const PACKAGE_MARKER = '[Content_Types].xml';

interface Expansion {
  bytes: Uint8Array | null;
  problem: readonly [AttachmentFindingKey, string] | null;
}

const unavailable = (key: AttachmentFindingKey, detail: string): Expansion => ({
  bytes: null,
  problem: [key, detail],
});

export async function inspectZip(
  file: InspectedFile,
  bytes: Uint8Array,
  budget: WorkBudget,
  inspectMember: InspectMember,
): Promise<Finding[]> {
  if (file.depth >= ATTACHMENT_LIMITS.maxArchiveDepth) {
    return [attachmentFinding('archive_too_deep', evidenceFor(file, `nested ${file.depth} deep`))];
  }
  const read = readZipDirectory(bytes, budget.entries);
  if (!read.ok) return [attachmentFinding('malformed', evidenceFor(file, read.reason))];

  const { entries, declaredCount } = read.directory;
  // One finding per problem per archive, however many members share it.
  const problems = new Map<AttachmentFindingKey, string>();
  if (declaredCount > budget.entries) {
    problems.set('archive_bomb', `${declaredCount} entries, over the limit of ${budget.entries}`);
  }
  const role = entries.some((e) => e.name === PACKAGE_MARKER) ? 'part' : 'file';
  const findings: Finding[] = [];
  for (const entry of entries) {
    if (budget.entries <= 0) break;
    budget.entries--;
    if (entry.isDirectory) continue;
    const expansion = expandWithinBudget(bytes, entry, budget);
    const problem = expansion.problem;
    if (problem && !problems.has(problem[0]))
      problems.set(problem[0], `${displayName(entry.name)}: ${problem[1]}`);
    findings.push(
      ...(await inspectMember({
        path: `${file.path}!/${entry.name}`,
        name: entry.name,
        declaredMime: null,
        bytes: expansion.bytes,
        depth: file.depth + 1,
        role,
      })),
    );
  }
  const archiveFindings = [...problems].map(([key, detail]) =>
    attachmentFinding(key, evidenceFor(file, detail)),
  );
  return [...archiveFindings, ...findings];
}

function expandWithinBudget(bytes: Uint8Array, entry: ZipEntry, budget: WorkBudget): Expansion {
  if (entry.isEncrypted) return unavailable('encrypted_archive', 'password-protected');
  if (entry.method !== ZIP_METHOD_STORED && entry.method !== ZIP_METHOD_DEFLATED) {
    return unavailable('archive_unsupported', `compression method ${entry.method}`);
  }
  const declared = entry.uncompressedSize;
  if (declared > budget.expandedBytes) {
    return unavailable('archive_bomb', `declares ${declared} bytes, over the budget`);
  }
  const ratio = declared / Math.max(1, entry.compressedSize);
  if (
    declared >= ATTACHMENT_LIMITS.minRatioCheckBytes &&
    ratio > ATTACHMENT_LIMITS.maxCompressionRatio
  ) {
    return unavailable('archive_bomb', `compression ratio ${Math.round(ratio)}:1`);
  }
  const data = entryData(bytes, entry);
  if (data === null) return unavailable('malformed', 'member data missing');

  const result = expandEntry(data, entry, declared);
  switch (result.status) {
    case 'ok':
      budget.expandedBytes -= result.bytes.length;
      return { bytes: result.bytes, problem: null };
    case 'too_large':
      budget.expandedBytes -= declared;
      return unavailable('archive_bomb', `expands past its declared ${declared} bytes`);
    case 'corrupt':
      budget.expandedBytes -= result.producedBytes;
      return unavailable('malformed', 'compressed data is corrupt');
  }
}
