import type { IncomingMessage } from 'node:http';
import { LatchkeyError } from '../../common/errors.js';
import { bodyTooLarge } from './body-limit.js';

/** Small bodies for Latchkey's own endpoints; anything bigger is refused with 413. */
export const OWN_BODY_LIMIT = 16 * 1024;

/**
 * Refuses a body over the limit without destroying the request: that would reset the
 * connection before the 413 is written. The rest is read and dropped until the answer,
 * which closes the connection, is out (the request timeout bounds how long).
 */
function refuse(req: IncomingMessage, limit: number): LatchkeyError {
  req.removeAllListeners('data');
  req.resume();
  return bodyTooLarge(limit);
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(refuse(req, limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(refuse(req, limit));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export type FormFields = Record<string, string>;

/** A JSON object body, its values keeping their JSON types. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readAll(req, OWN_BODY_LIMIT)).toString('utf8');
  let value: unknown;
  try {
    value = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new LatchkeyError('BAD_JSON', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LatchkeyError('BAD_JSON', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * A JSON object or an HTML form, the only two kinds Latchkey's endpoints take; `form`
 * says which, since the two are answered differently (JSON vs a redirect).
 */
export async function readFields(req: IncomingMessage): Promise<{ fields: FormFields; form: boolean }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded') {
    throw new LatchkeyError('UNSUPPORTED_MEDIA_TYPE', 'send application/json or an HTML form');
  }
  const text = (await readAll(req, OWN_BODY_LIMIT)).toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    return { fields: Object.fromEntries(new URLSearchParams(text)), form: true };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LatchkeyError('BAD_JSON', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LatchkeyError('BAD_JSON', 'the body must be a JSON object');
  }
  const fields: FormFields = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') fields[k] = v;
  return { fields, form: false };
}
