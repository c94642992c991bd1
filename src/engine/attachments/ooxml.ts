/**
 * OOXML relationship parts (`*.rels`): a remote target on a template, OLE
 * object or frame is fetched by Office when the document opens, which is how
 * template injection and Follina-style attacks load their payload.
 */

/** Relationship types (last path segment) whose external targets Office loads by itself. */
const AUTO_LOADED_TYPES: ReadonlySet<string> = new Set([
  'attachedtemplate',
  'oleobject',
  'frame',
  'subdocument',
]);

/** Targets that leave the document: web, file shares, and MHTML wrappers of either. */
const REMOTE_TARGET = /^\s*(?:https?:|ftp:|file:|mhtml:|\\\\)/i;

const RELATIONSHIP_TAG = /<Relationship\b[^>]*>/gi;
const ATTRIBUTE = /([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export interface RemoteRelationship {
  type: string;
  target: string;
}

export function remoteRelationships(relsXml: string): RemoteRelationship[] {
  return [...relsXml.matchAll(RELATIONSHIP_TAG)].flatMap((match) => {
    const attributes = new Map(
      [...match[0].matchAll(ATTRIBUTE)].map((a) => [a[1]?.toLowerCase(), a[2] ?? a[3] ?? '']),
    );
    const type = (attributes.get('type') ?? '').split('/').pop()?.toLowerCase() ?? '';
    const target = attributes.get('target') ?? '';
    const isExternal = attributes.get('targetmode')?.toLowerCase() === 'external';
    return isExternal && AUTO_LOADED_TYPES.has(type) && REMOTE_TARGET.test(target)
      ? [{ type, target }]
      : [];
  });
}
