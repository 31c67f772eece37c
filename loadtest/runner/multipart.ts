// multipart/form-data bodies for the runner's http module, encoded straight to bytes. undici's FormData
// encoder streams every part through Blob readers: with a thousand uploads in one process, that cost more
// CPU than sending them.

/** A file field, as `http.file()` makes it. */
export type FilePart = { data: string | ArrayBuffer; filename?: string; content_type?: string };

const CRLF = Buffer.from("\r\n");
/** Quotes, CR and LF in a name or filename, percent-encoded as browsers do (WHATWG HTML, multipart/form-data). */
const quoted = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));

export function multipart(
  fields: Array<[string, unknown]>,
  isFile: (v: unknown) => v is FilePart,
): { bytes: Uint8Array; contentType: string } {
  const boundary = `----SimulshotK6Runner${crypto.randomUUID().replace(/-/g, "")}`;
  const parts: Uint8Array[] = [];
  for (const [name, v] of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
    if (isFile(v)) {
      head += `; filename="${quoted(v.filename ?? name)}"\r\nContent-Type: ${v.content_type ?? "application/octet-stream"}`;
      parts.push(
        Buffer.from(`${head}\r\n\r\n`),
        typeof v.data === "string" ? Buffer.from(v.data) : new Uint8Array(v.data),
      );
    } else parts.push(Buffer.from(`${head}\r\n\r\n${String(v)}`));
    parts.push(CRLF);
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
