/**
 * Follows the WebSocket frames (RFC 6455 §5.2) of one direction of a relay, by their
 * headers alone, to tell whether what was relayed so far ends on a frame boundary: only
 * there may the gateway add a frame of its own (a close frame) without corrupting one.
 */
export class FrameBoundary {
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** The bytes of a frame header seen so far, while it is split across chunks. */
  private header: number[] = [];

  get atBoundary(): boolean {
    return this.remaining === 0 && this.header.length === 0;
  }

  /** Takes the next relayed chunk into account. */
  see(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        continue;
      }
      this.header.push(chunk[at] as number);
      at += 1;
      const payload = headerPayload(this.header);
      if (payload !== undefined) {
        this.header = [];
        this.remaining = payload;
      }
    }
  }
}

/** The payload length a complete frame header announces; undefined while it is incomplete. */
function headerPayload(header: readonly number[]): number | undefined {
  if (header.length < 2) return undefined;
  const second = header[1] as number;
  const mask = second & 0x80 ? 4 : 0;
  const short = second & 0x7f;
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0;
  if (header.length < 2 + extended + mask) return undefined;
  if (extended === 0) return short;
  let length = 0;
  // Past 2^53 the sum loses precision; no real frame is that long.
  for (let i = 2; i < 2 + extended; i += 1) length = length * 256 + (header[i] as number);
  return length;
}
