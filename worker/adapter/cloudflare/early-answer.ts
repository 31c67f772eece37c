// Platform.answerEarly on Workers: workerd closes a connection whose answer ended with request bytes unread,
// so the answer is sent whole at once with its length (the client has all of it) and its stream is only
// closed once the rest of the request body has been read and dropped.
import type { UnreadBody } from "../../platform.ts";

export async function answerEarly(answer: Response, rest: UnreadBody): Promise<Response> {
  const bytes = new Uint8Array(await answer.arrayBuffer());
  const { readable, writable } = new FixedLengthStream(bytes.byteLength);
  const writer = writable.getWriter();
  // The body is read on from now; the answer's stream closes once it has been read and the answer sent.
  const sending = Promise.all([rest.discard(), writer.write(bytes)]).then(() => writer.close());
  sending.catch(() => writer.abort().catch(() => {}));
  return new Response(readable, { status: answer.status, headers: answer.headers });
}
