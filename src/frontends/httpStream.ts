// Sends a JsonStream body (core/jsonStream.ts): chunked, each piece as it is made, waiting for the
// client to read what was sent before making more (the server never holds the whole text).
import { ServerResponse } from "node:http";
import { JsonStream } from "../core/jsonStream.js";

export class ClientGoneError extends Error {}

export async function sendJsonStream(
  res: ServerResponse,
  status: number,
  body: JsonStream,
  headers: Record<string, string | number>,
): Promise<void> {
  headers["Content-Type"] = "application/json; charset=utf-8";
  res.writeHead(status, headers);
  await body.write((chunk) => {
    if (res.destroyed) throw new ClientGoneError("the client closed the connection");
    if (res.write(chunk)) return;
    return drained(res);
  });
  res.end();
}

/** Resolves when `res` can take more; rejects when its connection closes first. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ClientGoneError("the client closed the connection"));
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}
