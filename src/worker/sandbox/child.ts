/**
 * The isolated analysis process. Input (IPC, advanced serialization):
 * `{ email: Uint8Array, options: EngineOptions }`. Output: one message, the
 * `AnalysisResult`, then exit. A runaway attachment can only take this process down.
 */
import { analyzeEmail } from '../../engine/index.ts';
import type { EngineOptions } from '../../engine/types.ts';

interface SandboxRequest {
  email: Uint8Array;
  options: EngineOptions;
}

process.once('message', (message: SandboxRequest) => {
  void analyzeEmail({ raw: message.email }, message.options, {}).then((result) => {
    process.send?.(result, () => process.exit(0));
  });
});
