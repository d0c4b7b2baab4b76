import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** The new file's permissions; owner-only unless said otherwise (most of what Latchkey keeps is secret). */
  mode?: number;
  /**
   * `replace` (the default) puts the new content over whatever `file` holds; `keep` writes
   * only if no `file` exists, even when another process makes one at the same moment.
   */
  ifExists?: 'replace' | 'keep';
  /**
   * Whether the content must survive a power cut once this returns: the file and its
   * directory are fsynced. Without it the write is still atomic, only perhaps not yet on disk.
   */
  durable?: boolean;
}

/**
 * Writes `file` atomically: a reader, or a crash at any moment, sees the old content or the
 * new one, never a torn file. The content goes to a temporary file beside it that is then
 * given the name. Returns false when `ifExists: 'keep'` found a file (which stays as it was).
 */
export function writeFileAtomically(
  file: string,
  content: string | Uint8Array,
  { mode = 0o600, ifExists = 'replace', durable = true }: AtomicWriteOptions = {},
): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    // A leftover of a process that had this pid keeps its mode if opened over: start anew.
    rmSync(temp, { force: true });
    const fd = openSync(temp, 'wx', mode);
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content) : content);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const placed = placeFile(temp, file, ifExists);
    if (placed && durable) fsyncDirectory(dirname(file));
    return placed;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Gives the finished file `temp` the name `file` in one step. `replace`: rename(2), which
 * swaps an existing file whole. `keep`: link(2), which fails if `file` exists, and then
 * returns false (`temp` stays for the caller to remove). The directory is not fsynced.
 */
export function placeFile(temp: string, file: string, ifExists: 'replace' | 'keep'): boolean {
  if (ifExists === 'replace') {
    renameSync(temp, file);
    return true;
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  rmSync(temp);
  return true;
}

export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or link in `dir` survive a power cut. */
export function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}
