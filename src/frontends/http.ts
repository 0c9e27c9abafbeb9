// Small HTTP helpers shared by the front ends.
import { IncomingMessage, ServerResponse, STATUS_CODES } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { JsonText } from "../core/jsonText.js";

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
  sendJsonWith(res, status, body, { ...headers });
}

/**
 * sendJson, adding Content-Type and Content-Length to `headers` itself: for a caller whose
 * headers object is this response's own (made for it, shared with nothing).
 */
export function sendJsonWith(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number>,
): void {
  const text = body === undefined ? "" : body instanceof JsonText ? body.text : JSON.stringify(body);
  if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
  headers["Content-Length"] = typeof text === "string" ? Buffer.byteLength(text) : text.length;
  res.writeHead(status, headers);
  res.end(text);
}

/** Splits a request target into path segments and query without trusting URL's host parsing
 * (az sends "//metadata/endpoints" when its ARM URL ends in "/"). */
export function splitTarget(raw: string | undefined): { path: string; query: URLSearchParams } {
  const target = raw ?? "/";
  const q = target.indexOf("?");
  let path = q >= 0 ? target.slice(0, q) : target;
  const query = new URLSearchParams(q >= 0 ? target.slice(q + 1) : "");
  // Already normal (one leading slash, no empty segment, nothing escaped): as is, without copies.
  if (
    path.charCodeAt(0) === 47 &&
    (path.length === 1 || path.charCodeAt(path.length - 1) !== 47) &&
    !path.includes("//") &&
    !path.includes("%")
  ) {
    return { path, query };
  }
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

/**
 * Make an HTTPS server's request parser read a connection through the socket's stream, rather
 * than straight from its TLS handle, from the moment that connection could pause. Node pauses a
 * keep-alive connection's parser when a request arrives while an earlier response is still being
 * flushed (a large body to a client that is still reading it) or while pipelined responses wait
 * behind an unfinished one. Reading from the TLS handle, Node still hands the paused parser the
 * other TLS records decrypted from the same network read (the body of that request, written as
 * its own record, as Python's http.client does), and the parser refuses them with HPE_PAUSED: the
 * request is lost and the client gets a 400. Through the stream, a paused socket keeps those
 * records until the response has drained.
 *
 * Reading through the stream costs every request a JavaScript stream pass (a buffer, a push, a
 * 'data' event); a connection whose responses always leave at once never pauses, so it keeps
 * Node's direct reads until one of the two conditions for a pause first occurs on it: a response
 * write that leaves the socket's buffer at its high-water mark, or a request that arrives while an
 * earlier response on the connection is unfinished. The first is seen before the next request is
 * read; the second as that request's headers are parsed, before any record after them is read
 * (the response still flushing is unfinished too, so the second alone also covers the first).
 * Call before the server accepts connections.
 */
export function readRequestsThroughStream(server: HttpsServer): void {
  server.prependListener("secureConnection", (socket: Socket) => {
    const write = socket.write;
    // The only writes that can leave a response flushing: while this holds, the parser may pause.
    socket.write = function (this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
      const ok = (write as (c: unknown, e?: unknown, f?: unknown) => boolean).call(this, chunk, encoding, cb);
      if (!ok) readThroughStream(this);
      return ok;
    } as Socket["write"];
  });
  // A request Node did not give the socket (an earlier response on it is unfinished): pipelined.
  // Checked in the one 'request' listener, before the server's handlers (an event with more than
  // one listener copies its listener list on every emit).
  const handlers = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (res.socket === null) readThroughStream(req.socket);
    for (const h of handlers) h.call(server, req, res);
  });
}

function noData(): void {}

/** Node's HTTP server stops reading the handle directly once the socket has a 'data' listener. */
function readThroughStream(socket: Socket): void {
  if (streamed.has(socket)) return;
  streamed.add(socket);
  // Back to the inherited write: nothing more to watch on this socket.
  delete (socket as { write?: unknown }).write;
  socket.on("data", noData);
}

const streamed = new WeakSet<Socket>();

/**
 * Node's HTTP parser refuses some requests before any handler sees them (headers over its size
 * limit, a malformed request line or header): answer those with ARM's error envelope as well,
 * then close the connection, whose framing can no longer be trusted. Use as `clientError`.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser reports each further chunk of a refused request again: the answer is already on
  // its way, and the rest is being read and dropped (below).
  if (answered.has(socket)) return;
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const timedOut = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
  const status = tooLarge ? 431 : timedOut ? 408 : 400;
  const error = timedOut
    ? {
        code: "RequestTimeout",
        message: "The request was not received completely in time. Send the whole request without pausing.",
      }
    : tooLarge
      ? {
          code: "RequestHeaderFieldsTooLarge",
          message:
            "The request's headers are larger than the server accepts. Send shorter headers (a token from this server's token endpoint fits).",
        }
      : {
          code: "BadRequest",
          message: `The request could not be parsed as HTTP (${err.code ?? err.message}). Send a well-formed HTTP/1.1 request.`,
        };
  const body = JSON.stringify({ error });
  answered.add(socket);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // A lingering close: a socket closed with unread data sends a reset, which can reach the client
  // before it has read the answer (a large body behind oversized headers). Read and drop what it
  // still sends until it closes, LINGER_BYTES have come, or LINGER_MS have passed.
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on("data", (d: Buffer) => {
    dropped += d.length;
    if (dropped > LINGER_BYTES) socket.destroy();
  });
  socket.once("close", () => clearTimeout(timer));
  socket.resume();
}

const answered = new WeakSet<Duplex>();
const LINGER_MS = 5_000;
const LINGER_BYTES = 16 * 1024 * 1024;
