// The phone's camera into a <video> preview. Needs a secure context: HTTPS, or http://localhost.

export type Facing = "environment" | "user";

export class CameraError extends Error {}

export async function openCamera(video: HTMLVideoElement, facing: Facing): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new CameraError("This browser can't use the camera here: open the link over HTTPS.");
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    });
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === "NotAllowedError")
      throw new CameraError("Camera access was refused. Allow it in the browser and try again.");
    if (name === "NotFoundError" || name === "OverconstrainedError") throw new CameraError("No camera was found.");
    throw new CameraError(`The camera could not start (${name ?? "unknown error"}).`);
  }
  // iOS Safari plays inline only when muted and playsinline are set before play().
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  if (!video.videoWidth) await new Promise((r) => video.addEventListener("loadedmetadata", r, { once: true }));
  return stream;
}

export function stopCamera(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}
