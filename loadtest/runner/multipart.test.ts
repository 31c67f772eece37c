// The runner's multipart encoder: what it writes parses back, field by field, as the platform's FormData.
import { describe, expect, it } from "vitest";
import { multipart, type FilePart } from "./multipart.ts";

const isFile = (v: unknown): v is FilePart => typeof v === "object" && v !== null && "data" in v;

describe("multipart", () => {
  it("encodes files and text fields that FormData parses back byte for byte", async () => {
    const photo = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const { bytes, contentType } = multipart(
      [
        ["shotId", "s1"],
        ["photo", { data: photo.buffer, filename: 'a "b".jpg', content_type: "image/jpeg" }],
        ["note", { data: "plain text" }],
      ],
      isFile,
    );
    expect(contentType).toMatch(/^multipart\/form-data; boundary=.+/);
    const form = await new Response(bytes, { headers: { "Content-Type": contentType } }).formData();
    expect(form.get("shotId")).toBe("s1");
    const f = form.get("photo") as File;
    // The parser undoes the percent-encoding of the quotes.
    expect([f.name, f.type]).toEqual(['a "b".jpg', "image/jpeg"]);
    expect(new Uint8Array(await f.arrayBuffer())).toEqual(photo);
    const note = form.get("note") as File;
    expect([note.name, note.type, await note.text()]).toEqual(["note", "application/octet-stream", "plain text"]);
  });
});
