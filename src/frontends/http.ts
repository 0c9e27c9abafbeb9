// Small HTTP helpers shared by the front ends.
import { IncomingMessage, ServerResponse } from "node:http";

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(`Request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => !failed && resolve(Buffer.concat(chunks)));
    req.on("error", (e) => !failed && reject(e));
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  const h: Record<string, string | number> = { ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json; charset=utf-8";
  h["Content-Length"] = Buffer.byteLength(text);
  res.writeHead(status, h);
  res.end(text);
}

/** Splits a request target into path segments and query without trusting URL's host parsing
 * (az sends "//metadata/endpoints" when its ARM URL ends in "/"). */
export function splitTarget(raw: string | undefined): { path: string; query: URLSearchParams } {
  const target = raw ?? "/";
  const q = target.indexOf("?");
  let path = q >= 0 ? target.slice(0, q) : target;
  const query = new URLSearchParams(q >= 0 ? target.slice(q + 1) : "");
  path = "/" + path.split("/").filter(Boolean).join("/");
  try {
    path = path
      .split("/")
      .map((s) => decodeURIComponent(s))
      .join("/");
  } catch {
    /* keep undecoded: the router will refuse it */
  }
  return { path, query };
}
