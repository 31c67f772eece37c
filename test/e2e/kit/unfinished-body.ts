// A request whose body never ends, over a raw TCP socket: the server must answer from what it has
// (a declared length, the first bytes past a limit) without waiting for the rest.
import { connect } from "node:net";
import { sleep } from "./sockets.ts";

/**
 * Sends `path`'s head and `sendBytes` of body (declaring `declaredBytes` in Content-Length, or chunked when
 * it is null), then waits up to `waitMs` for the status line without ever finishing the body. Returns the
 * status line and body, or an empty status line when the server only answers once the body is whole.
 */
export async function unfinishedPost(
  serverUrl: string,
  path: string,
  o: { headers?: Record<string, string>; sendBytes: number; declaredBytes: number | null; waitMs?: number },
): Promise<{ statusLine: string; body: string }> {
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  let answer = "";
  sock.on("data", (d: Buffer) => (answer += d.toString()));
  sock.on("error", () => {}); // the server may reset the connection once it has answered
  const extra = Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
  const length = o.declaredBytes === null ? "Transfer-Encoding: chunked" : `Content-Length: ${o.declaredBytes}`;
  sock.write(
    `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n${extra.join("")}${length}\r\n\r\n`,
  );
  // A JSON string that never closes: valid as far as it goes, never a whole object.
  const filler = `{"name":"${"x".repeat(Math.max(0, o.sendBytes - 9))}`;
  for (let at = 0; at < filler.length && !answer; at += 1024) {
    const piece = filler.slice(at, at + 1024);
    sock.write(o.declaredBytes === null ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece);
    await sleep(5);
  }
  const deadline = Date.now() + (o.waitMs ?? 3000);
  while (!answer.includes("\r\n\r\n") && Date.now() < deadline) await sleep(25);
  await sleep(100); // the body, when it follows the head
  sock.destroy();
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  return { statusLine: head.split("\r\n")[0] ?? "", body };
}
