/**
 * Follows the WebSocket frames (RFC 6455 §5.2) of one direction of a relay, by their
 * headers alone, to tell whether what was relayed so far ends on a frame boundary: only
 * there may the gateway add a frame of its own (a close frame) without corrupting one.
 */
export class FrameBoundary {
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** The bytes of a frame header seen so far, while it is split across chunks (at most 14). */
  private readonly header = new Uint8Array(14);
  private headerLength = 0;

  get atBoundary(): boolean {
    return this.remaining === 0 && this.headerLength === 0;
  }

  /** Takes the next relayed chunk into account; allocates nothing (it runs for every chunk). */
  see(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        continue;
      }
      this.header[this.headerLength] = chunk[at] as number;
      this.headerLength += 1;
      at += 1;
      const payload = headerPayload(this.header, this.headerLength);
      if (payload !== undefined) {
        this.headerLength = 0;
        this.remaining = payload;
      }
    }
  }
}

/** The payload length a complete frame header announces; undefined while it is incomplete. */
function headerPayload(header: Uint8Array, length: number): number | undefined {
  if (length < 2) return undefined;
  const second = header[1] as number;
  const mask = second & 0x80 ? 4 : 0;
  const short = second & 0x7f;
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0;
  if (length < 2 + extended + mask) return undefined;
  if (extended === 0) return short;
  let payload = 0;
  // Past 2^53 the sum loses precision; no real frame is that long.
  for (let i = 2; i < 2 + extended; i += 1) payload = payload * 256 + (header[i] as number);
  return payload;
}
