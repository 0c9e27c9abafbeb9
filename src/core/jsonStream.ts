// A response body written in pieces: `write` hands its JSON text to the sink a few MiB at a time,
// waiting when the sink asks it to, so the whole text is never one string (a report too large for
// one: V8's longest string is about 512 MiB, its heap a few GiB). The HTTP front end sends it with
// chunked transfer encoding; any other reader may gather the pieces.
export type JsonSink = (chunk: Buffer) => void | Promise<void>;

export class JsonStream {
  constructor(readonly write: (sink: JsonSink) => Promise<void>) {}

  /** The whole text (for a reader that needs it in one piece, such as a test on a small world). */
  async text(): Promise<string> {
    const parts: Buffer[] = [];
    await this.write((c) => {
      parts.push(c);
    });
    return Buffer.concat(parts).toString("utf8");
  }
}
