import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatchkeyError } from '../../common/errors.js';
import { writeFileAtomically } from '../atomic-file.js';
import type { SettingsRepo } from '../db/settings-repo.js';

/** Settings key: which key the store's sessions were signed with (a hash, never the key). */
export const SESSION_KEY_ID = 'session.key-id';

type Read = { key: Uint8Array } | { missing: true } | { damaged: string };

function readKey(file: string): Read {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    // A folder, a file it may not read, a failing disk: nothing to replace it over.
    throw new LatchkeyError(
      'DATA_DIR_UNUSABLE',
      `${file} cannot be read as the session key (${code ?? (error as Error).message}); move it away and start ` +
        'again: Latchkey then makes a new key, and everyone signed in must sign in again',
      { cause: error },
    );
  }
  if (text === '') return { damaged: 'empty' };
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return { damaged: 'not a key' };
  const key = Buffer.from(text, 'base64url');
  return key.length >= 32 ? { key } : { damaged: `too short: ${key.length} bytes, 32 needed` };
}

const newKey = () => `${randomBytes(32).toString('base64url')}\n`;

const idOf = (key: Uint8Array) => createHash('sha256').update(key).digest('hex').slice(0, 16);

interface KeyOnDisk {
  key: Uint8Array;
  /** What was found before: a key, none, or a damaged file (why). */
  before: 'key' | 'missing' | { damaged: string };
}

function readOrMakeKey(file: string): KeyOnDisk {
  const found = readKey(file);
  if ('key' in found) return { key: found.key, before: 'key' };
  // A damaged file is replaced whole; a missing one is created unless another process
  // just did (then its key is the one read back, by both).
  writeFileAtomically(file, newKey(), { ifExists: 'damaged' in found ? 'replace' : 'keep' });
  const made = readKey(file);
  if (!('key' in made)) throw new LatchkeyError('DATA_DIR_UNUSABLE', `${file} does not hold a usable key; try again`);
  return { key: made.key, before: 'damaged' in found ? { damaged: found.damaged } : 'missing' };
}

/**
 * The per-install key that signs session tokens, kept owner-only in the data directory
 * so the desktop app and `latchkey serve` honour each other's sessions. A token signed
 * by another install never verifies here. Made on first use; a damaged one is replaced.
 */
export function loadSessionKey(dataDir: string): Uint8Array {
  return readOrMakeKey(join(dataDir, 'session.key')).key;
}

export interface LoadedSessionKey {
  key: Uint8Array;
  /** One line for the log when sessions end because of the key, with what happens next. */
  notice?: string;
}

/**
 * The session key as a gateway loads it at start. A missing or damaged key is replaced,
 * never refused: the sessions it signed cannot be verified by anyone, and a new key only
 * asks people to sign in again. But it is never silent: the store records which key
 * signed its sessions, so a key that went missing or was swapped for another is
 * reported, as is a damaged one.
 */
export function openSessionKey(dataDir: string, settings: SettingsRepo): LoadedSessionKey {
  const file = join(dataDir, 'session.key');
  const recorded = settings.get(SESSION_KEY_ID);
  const { key, before } = readOrMakeKey(file);
  const id = idOf(key);
  const next = 'everyone signed in must sign in again';
  let notice: string | undefined;
  if (typeof before === 'object') {
    notice = `${file} was damaged (${before.damaged}); it was replaced by a new key: ${next}`;
  } else if (typeof recorded === 'string' && recorded !== id) {
    notice =
      before === 'missing'
        ? `${file} was missing; a new key was made: ${next}`
        : `${file} is not the key this store's sessions were signed with (was it replaced?); those sessions end: ${next}`;
  }
  if (recorded !== id) settings.setMany({ [SESSION_KEY_ID]: id });
  return notice === undefined ? { key } : { key, notice };
}
