// One WebSocket text message of many MB over a raw TCP socket, written only as fast as the server reads it
// (never whole in this process either), so a test sees how much of it the server took before it refused it.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";

const CHUNK = Buffer.alloc(64 * 1024, 0x78); // "x": valid UTF-8, and unchanged by the all-zero mask below

/** A client frame's head: FIN and opcode, the 64-bit length form, and a zero masking key. */
function frameHead(opcode: number, fin: boolean, length: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head; // bytes 10..13: the masking key, zero
}

export type HugeMessageResult = {
  /** The close code of the server's close frame, or null when the connection ended without one. */
  code: number | null;
  /** Payload bytes handed to the connection before the server's close frame (or the connection's end) came. */
  written: number;
  /** From the first byte of the message to the close frame or the end. */
  ms: number;
};

/** Opens a socket to `wsUrl` and sends one text message of `bytes`, in frames of `frameBytes` (one frame when
 *  null), until the server's close frame arrives or the connection ends. */
export async function sendHugeMessage(wsUrl: string, bytes: number, frameBytes: number | null) {
  const u = new URL(wsUrl);
  const sock = connect(Number(u.port), u.hostname);
  sock.on("error", () => {}); // a reset once the server gives up on the socket: the result says what came
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  sock.write(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let inbound = Buffer.alloc(0);
  let upgraded = false;
  let code: number | null = null;
  let ended = false;
  let wake = () => {};
  const parse = () => {
    if (!upgraded) {
      const end = inbound.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = inbound.subarray(0, inbound.indexOf("\r\n")).toString();
      if (!status.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${status}`);
      upgraded = true;
      inbound = inbound.subarray(end + 4);
    }
    // Server frames are unmasked; only the close frame matters here.
    while (inbound.length >= 2) {
      const opcode = inbound[0]! & 0x0f;
      let length = inbound[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (inbound.length < 4) return;
        length = inbound.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (inbound.length < 10) return;
        length = Number(inbound.readBigUInt64BE(2));
        at = 10;
      }
      if (inbound.length < at + length) return;
      if (opcode === 0x8 && code === null) code = length >= 2 ? inbound.readUInt16BE(at) : 1005;
      inbound = inbound.subarray(at + length);
    }
  };
  sock.on("data", (d: Buffer) => {
    inbound = Buffer.concat([inbound, d]);
    parse();
    wake();
  });
  sock.on("close", () => {
    ended = true;
    wake();
  });
  const wait = () => new Promise<void>((resolve) => (wake = resolve));
  while (!upgraded && !ended) await wait();
  if (!upgraded) throw new Error("the connection ended before the upgrade");

  const started = performance.now();
  let written = 0;
  const stopped = () => code !== null || ended;
  const write = async (b: Buffer) => {
    if (sock.write(b)) return;
    const drained = new Promise<void>((resolve) => sock.once("drain", resolve));
    while (sock.writableNeedDrain && !stopped()) await Promise.race([drained, wait()]);
  };
  const frame = frameBytes ?? bytes;
  for (let sent = 0; sent < bytes && !stopped();) {
    const length = Math.min(frame, bytes - sent);
    await write(frameHead(sent === 0 ? 0x1 : 0x0, sent + length === bytes, length));
    for (let left = length; left > 0 && !stopped();) {
      const piece = CHUNK.subarray(0, Math.min(left, CHUNK.length));
      await write(piece);
      left -= piece.length;
      written += piece.length;
    }
    sent += length;
  }
  while (!stopped()) await wait();
  const ms = performance.now() - started;
  sock.destroy();
  return { code, written, ms } satisfies HugeMessageResult;
}
