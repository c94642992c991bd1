/**
 * Every bound on attachment work, in one place. Hostile input is the normal
 * case: each limit caps time or memory, and crossing one is reported as a
 * finding instead of being worked through.
 */
const KIB = 1024;
const MIB = 1024 * KIB;

export const ATTACHMENT_LIMITS = Object.freeze({
  /** Archives opened inside archives; an archive at this depth is not opened. */
  maxArchiveDepth: 3,
  /** Archive entries looked at per email, across all archives. */
  maxArchiveEntries: 1_000,
  /** Bytes inflated from archives per email, across all archives. */
  maxExpandedBytes: 100 * MIB,
  /** Declared uncompressed / compressed size above which an entry is a bomb... */
  maxCompressionRatio: 100,
  /** ...once it declares at least this much, so tiny highly-compressible files pass. */
  minRatioCheckBytes: 1 * MIB,
  /** Compressed bytes fed to the inflater at a time: bounds what one step can emit (~1032x). */
  inflateChunkBytes: 4 * KIB,
  /** Leading bytes read to recognise text formats (scripts, HTML). */
  sniffBytes: 8 * KIB,
  /** Bytes of an HTML attachment searched for forms and smuggling code. */
  htmlScanBytes: 2 * MIB,
  /** Raw bytes of a PDF searched for names. */
  pdfScanBytes: 32 * MIB,
  /** Flate streams of a PDF inflated and searched, and their total output. */
  maxPdfStreams: 256,
  maxPdfInflatedBytes: 16 * MIB,
  /** URIs collected from one PDF. */
  maxPdfUris: 50,
  /** Directory entries read from an OLE compound file. */
  maxCompoundEntries: 4_096,
  /** Stream bytes read from one OLE compound file. */
  maxCompoundStreamBytes: 64 * MIB,
  /** VBA modules read per project, and decompressed source bytes per module. */
  maxVbaModules: 64,
  maxVbaModuleBytes: 1 * MIB,
  /** OOXML relationship parts searched for external targets. */
  maxRelsBytes: 1 * MIB,
});
