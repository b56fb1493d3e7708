/** Small file helpers the local runtime's stores share (data folder lock, ARM emulator state, timer status, token key). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Replaces `file` with `text` atomically: written to a temp file beside it (named after this process), then renamed
 * over it, so a reader (or a crash) sees the old file or the new one, never half of one. Creates the folder; a failed
 * write leaves no temp file behind. `mode` applies to a file made by this call (e.g. 0o600 for a private key).
 */
export function writeFileAtomic(file: string, text: string, options: { mode?: number } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, text, options.mode === undefined ? {} : { mode: options.mode });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
