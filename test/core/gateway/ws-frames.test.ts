import { describe, expect, it } from 'vitest';
import { closeFrame } from '../../../main/core/gateway/proxy-ws.js';
import { FrameBoundary } from '../../../main/core/gateway/ws-frames.js';

/** An unmasked server frame with `payload` bytes, in the shortest length encoding. */
function frame(payload: number): Buffer {
  const body = Buffer.alloc(payload, 0x61);
  if (payload < 126) return Buffer.concat([Buffer.from([0x81, payload]), body]);
  if (payload < 65_536) {
    const head = Buffer.from([0x82, 126, 0, 0]);
    head.writeUInt16BE(payload, 2);
    return Buffer.concat([head, body]);
  }
  const head = Buffer.alloc(10);
  head[0] = 0x82;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(payload), 2);
  return Buffer.concat([head, body]);
}

/** Feeds `bytes` in pieces of `size` and records after each piece whether it ends a frame. */
function boundaries(bytes: Buffer, size: number): boolean[] {
  const tracker = new FrameBoundary();
  const seen: boolean[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    tracker.see(bytes.subarray(at, at + size));
    seen.push(tracker.atBoundary);
  }
  return seen;
}

describe('where relayed WebSocket frames end', () => {
  it('knows a close frame of the gateway would land inside a frame the upstream has not finished', () => {
    const tracker = new FrameBoundary();
    expect(tracker.atBoundary).toBe(true);
    const message = frame(10);
    tracker.see(message.subarray(0, 6));
    expect(tracker.atBoundary).toBe(false);
    tracker.see(message.subarray(6));
    expect(tracker.atBoundary).toBe(true);
  });

  it('follows 7-bit, 16-bit and 64-bit lengths, masked frames, and headers split across chunks', () => {
    const masked = Buffer.from([0x81, 0x80 | 3, 1, 2, 3, 4, 9, 9, 9]);
    const stream = Buffer.concat([frame(0), frame(125), frame(126), frame(70_000), masked, closeFrame(1000, 'bye')]);
    for (const size of [1, 2, 3, 7, 4096, stream.length]) {
      const seen = boundaries(stream, size);
      expect(seen.at(-1), `pieces of ${size}`).toBe(true);
    }
    // Byte by byte, the boundary is reached exactly at the end of each frame.
    const ends = new Set<number>();
    let offset = 0;
    for (const part of [frame(0), frame(125), frame(126), frame(70_000), masked, closeFrame(1000, 'bye')]) {
      offset += part.length;
      ends.add(offset);
    }
    boundaries(stream, 1).forEach((atBoundary, i) => expect(atBoundary, `after byte ${i + 1}`).toBe(ends.has(i + 1)));
  });
});
