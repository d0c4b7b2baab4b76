import { Transform, type TransformCallback } from 'node:stream';
import { LatchkeyError } from '../../common/errors.js';

/** The one body-too-large error (413), wherever a body is read or streamed. */
export function bodyTooLarge(limit: number): LatchkeyError {
  return new LatchkeyError('BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

/** Passes a streamed body through, failing once it exceeds the limit; never buffers it. */
export function limitBody(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(bodyTooLarge(limit));
      else callback(null, chunk);
    },
  });
}
