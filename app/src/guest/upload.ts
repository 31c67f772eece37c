// Uploads the photo with its thumb over XMLHttpRequest (fetch has no upload progress),
// retrying what may pass with backoff and jitter (see shared/retry-policy.ts).
import type { Capture } from "./capture.ts";
import type { Moment } from "./stamp-moment.ts";
import { uploadPath } from "../../../shared/protocol.ts";
import { UPLOAD_RETRY, isRetryable, retryDelay } from "../../../shared/retry-policy.ts";

export type Uploaded = { photoId: string; url: string; thumbUrl: string | null };

export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Answer = { status: number; body: unknown; retryAfter: string | null };

function send(url: string, token: string, form: FormData, onProgress: (fraction: number) => void): Promise<Answer> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.timeout = 120_000;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body, retryAfter: xhr.getResponseHeader("Retry-After") });
    };
    // No answer at all (offline, reset, timeout): status 0, which is retried.
    xhr.onerror = xhr.ontimeout = xhr.onabort = () => resolve({ status: 0, body: null, retryAfter: null });
    xhr.send(form);
  });
}

export async function uploadCapture(o: {
  roomId: string;
  shotId: string;
  /** Read on each attempt: a reconnect may bring a new upload token. */
  token: () => string | null;
  capture: Capture & Moment;
  onProgress: (fraction: number, attempt: number) => void;
  random?: () => number;
}): Promise<Uploaded> {
  const form = new FormData();
  form.set("shotId", o.shotId);
  form.set("photo", o.capture.photo, "photo.jpg");
  form.set("thumb", o.capture.thumb, "thumb.jpg");
  // No `tile`: the server cuts the mosaic's tile from the thumb.
  form.set("frameAt", String(o.capture.frameAt));
  form.set("bound", String(o.capture.bound));
  let last: Answer = { status: 0, body: null, retryAfter: null };
  for (let attempt = 1; attempt <= UPLOAD_RETRY.attempts; attempt++) {
    const token = o.token();
    if (token) {
      o.onProgress(0, attempt);
      last = await send(uploadPath(o.roomId, o.shotId), token, form, (f) => o.onProgress(f, attempt));
      if (last.status === 200 || last.status === 201) return last.body as Uploaded;
      if (!isRetryable(last.status)) break;
    }
    if (attempt < UPLOAD_RETRY.attempts)
      await new Promise((r) => setTimeout(r, retryDelay(attempt, o.random ?? Math.random, last.retryAfter)));
  }
  const err = (last.body as { error?: { code?: string; message?: string } } | null)?.error;
  throw new UploadError(
    last.status,
    err?.code ?? (last.status === 0 ? "network" : `http_${last.status}`),
    err?.message ?? (last.status === 0 ? "the server could not be reached" : `the server answered ${last.status}`),
  );
}
