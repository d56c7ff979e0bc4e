/**
 * Messages between a leader and its followers: msgpackr values, each framed by a 4-byte
 * big-endian length, over a unix socket. Values are plain arrays, strings, numbers and
 * byte strings (records travel in the store's own record encoding), so nothing depends on
 * msgpackr's object extensions.
 */
import type { Socket } from 'node:net';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Frames larger than this are refused: a damaged or foreign peer, not a real message. */
const MAX_FRAME = 1024 * 1024 * 1024;

export function writeFrame(socket: Socket, message: unknown): boolean {
  const payload = packr.pack(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.byteLength, 0);
  socket.cork();
  socket.write(header);
  const flushed = socket.write(payload);
  socket.uncork();
  return flushed;
}

/** Call `onMessage` for each whole frame that arrives on `socket`; `onBad` when the stream cannot be framed. */
export function readFrames(socket: Socket, onMessage: (message: unknown) => void, onBad: (why: string) => void): void {
  let chunks: Buffer[] = [];
  let held = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    held += chunk.byteLength;
    while (held >= 4) {
      if (chunks[0]!.byteLength < 4) chunks = [Buffer.concat(chunks, held)];
      const length = chunks[0]!.readUInt32BE(0);
      if (length > MAX_FRAME) {
        onBad(`a frame of ${length} bytes`);
        socket.destroy();
        return;
      }
      // Join chunks only once a frame is whole: a large value arrives in many chunks.
      if (held < 4 + length) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, held);
      let message: unknown;
      try {
        message = packr.unpack(all.subarray(4, 4 + length));
      } catch (error) {
        onBad(`an undecodable frame (${String(error)})`);
        socket.destroy();
        return;
      }
      const rest = all.subarray(4 + length);
      chunks = rest.byteLength > 0 ? [rest] : [];
      held = rest.byteLength;
      onMessage(message);
    }
  });
}
