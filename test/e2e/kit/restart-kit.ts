// Shared by the tests that restart or crash their own server mid-room (restart.test.ts, crash.test.ts):
// a room of synced RoomClients, waiting for every client to rejoin by itself on a new socket, and a
// round of uploads with the server taken down while half of them are in flight.
import { expect } from "vitest";
import type { Api } from "./api.ts";
import { photoFor, uploadRetry } from "./http-kit.ts";
import { tracedClient, until } from "./sockets.ts";

export type Traced = ReturnType<typeof tracedClient>;

/** A new room with `n` guests (RoomClients), each joined and clock-synced. */
export async function syncedRoom(api: Api, n: number, prefix: string) {
  const { token } = await api.login();
  const { roomId } = await api.createRoom(token);
  const clients = Array.from({ length: n }, (_, i) => tracedClient(api, roomId, { clientId: `${prefix}-${i}` }));
  await Promise.all(clients.map((c) => c.client.once("sync")));
  // The first probes go out with the join and are answered before it is through: synced is not yet joined.
  await until(() => clients.every((c) => c.client.memberId), 10_000, "every client welcomed");
  return { token, roomId, clients, memberIds: clients.map((c) => c.client.memberId) };
}

/** Resolves when every client has rejoined on a new socket: when each saw the drop (and its close code),
 *  how long until its first retry, and when it rejoined. Call it before taking the server down. */
export function rejoins(clients: Traced[]) {
  return Promise.all(
    clients.map(async (c) => {
      const made = c.sockets.length;
      const dropped = await c.client.once("status", (s) => !s.connected);
      const droppedAt = Date.now();
      await c.client.once("status", (s) => s.connected && c.sockets.length > made);
      const opened = c.opens[c.opens.length - 1]!;
      return {
        closeCode: dropped.closeCode,
        firstRetry: c.opens[made]! - droppedAt,
        rejoinOpenedAt: opened,
        rejoinedAt: Date.now(),
      };
    }),
  );
}

export type Ack = { photoId: string; status: number; answeredAt: number; photo: Uint8Array };

/**
 * The first half of `clients` upload one after another (each must get 201); the second half all at once,
 * and `takeDown` (a restart or a crash) runs while they are in flight; it is handed a promise of the
 * first acknowledgement among them, to strike right after one. Each retries network errors and 5xx
 * until answered, which must be 201 or 200. Returns every acknowledgement by memberId (with when it
 * arrived and the bytes sent) and how many attempts each of the second half needed.
 */
export async function uploadsAcross(
  api: Api,
  roomId: string,
  shotId: string,
  clients: Traced[],
  prefix: string,
  takeDown: (firstInFlightAck: Promise<void>) => Promise<void>,
) {
  const n = clients.length;
  const acked = new Map<string, Ack>();
  const upload = async (c: Traced, i: number) => {
    // Read before the upload: while the client reconnects, it has no member id.
    const memberId = c.client.memberId!;
    const photo = photoFor(`${prefix}-${i}`);
    const r = await uploadRetry(api, roomId, c.client.uploadToken!, { photo, shotId });
    acked.set(memberId, { photoId: r.body.photoId, status: r.status, answeredAt: Date.now(), photo });
    return r;
  };
  for (const [i, c] of clients.slice(0, n / 2).entries()) expect((await upload(c, i)).status).toBe(201);
  let firstAck!: () => void;
  const firstInFlightAck = new Promise<void>((r) => (firstAck = r));
  const rest = clients.slice(n / 2).map(async (c, i) => {
    const r = await upload(c, n / 2 + i);
    firstAck();
    expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
    return r.attempts;
  });
  await takeDown(firstInFlightAck);
  const attempts = await Promise.all(rest);
  return { acked, attempts };
}
