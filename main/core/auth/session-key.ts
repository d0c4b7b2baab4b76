import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function readKey(file: string): Uint8Array | undefined {
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    return key.length >= 32 ? key : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The per-install key that signs session tokens, kept owner-only in the data directory
 * so the desktop app and `latchkey serve` honour each other's sessions. A token signed
 * by another install never verifies here. Created with link(2), which fails if the file
 * exists, so two processes starting at once agree on one key.
 */
export function loadSessionKey(dataDir: string): Uint8Array {
  const file = join(dataDir, 'session.key');
  const existing = readKey(file);
  if (existing) return existing;
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64url')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  const key = readKey(file);
  if (!key) throw new Error(`${file} does not hold a usable key`);
  return key;
}
