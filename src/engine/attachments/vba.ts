/**
 * VBA projects inside a compound file: the `VBA/dir` stream lists each
 * module's stream and where its compressed source starts (MS-OVBA 2.3.4.2).
 */
import { check, dataView, latin1, malformedReason } from './bytes.ts';
import type { CompoundFile } from './compound-file.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';
import { decompressOvba } from './ovba.ts';

export interface VbaModule {
  /** Stream path inside the compound file, for evidence. */
  path: string;
  source: string;
}

export interface VbaProject {
  storage: string;
  modules: VbaModule[];
  /** Why the modules could not (all) be read, if they could not. */
  error: string | null;
}

const RECORD_PROJECT_VERSION = 0x0009;
const RECORD_MODULE_STREAM_NAME = 0x001a;
const RECORD_MODULE_OFFSET = 0x0031;
const RECORD_MODULE_TERMINATOR = 0x002b;
/** PROJECTVERSION's size field is a constant 4, but 6 bytes of data follow it. */
const PROJECT_VERSION_DATA_BYTES = 6;

interface ModuleRecord {
  streamName: string;
  textOffset: number;
}

export function findVbaProjects(file: CompoundFile): VbaProject[] {
  return file.streams
    .filter((path) => /(?:^|\/)VBA\/dir$/i.test(path))
    .map((dirPath) => readProject(file, dirPath));
}

function readProject(file: CompoundFile, dirPath: string): VbaProject {
  const storage = dirPath.slice(0, -'/dir'.length);
  const modules: VbaModule[] = [];
  try {
    const dir = decompressOvba(
      file.read(dirPath) ?? new Uint8Array(0),
      ATTACHMENT_LIMITS.maxVbaModuleBytes,
    );
    for (const record of parseModuleRecords(dir).slice(0, ATTACHMENT_LIMITS.maxVbaModules)) {
      const path = `${storage}/${record.streamName}`;
      const stream = file.read(path);
      check(stream !== null, `module stream ${record.streamName} missing`);
      check(record.textOffset <= stream.length, 'module source offset past its stream');
      const source = decompressOvba(
        stream.subarray(record.textOffset),
        ATTACHMENT_LIMITS.maxVbaModuleBytes,
      );
      modules.push({ path, source: latin1(source) });
    }
    return { storage, modules, error: null };
  } catch (error) {
    return { storage, modules, error: malformedReason(error) };
  }
}

function parseModuleRecords(dir: Uint8Array): ModuleRecord[] {
  const view = dataView(dir);
  const records: ModuleRecord[] = [];
  let streamName: string | null = null;
  let textOffset: number | null = null;
  for (let at = 0; at + 6 <= dir.length;) {
    const id = view.getUint16(at, true);
    const size =
      id === RECORD_PROJECT_VERSION ? PROJECT_VERSION_DATA_BYTES : view.getUint32(at + 2, true);
    at += 6;
    check(at + size <= dir.length, 'VBA dir record past its end');
    const data = dir.subarray(at, at + size);
    at += size;
    if (id === RECORD_MODULE_STREAM_NAME) streamName = latin1(data);
    if (id === RECORD_MODULE_OFFSET && size >= 4) textOffset = dataView(data).getUint32(0, true);
    if (id === RECORD_MODULE_TERMINATOR) {
      if (streamName !== null && textOffset !== null) records.push({ streamName, textOffset });
      streamName = null;
      textOffset = null;
    }
  }
  return records;
}
