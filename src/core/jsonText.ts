// A response body already serialized as JSON text or its UTF-8 bytes (see engine/storedJson.ts):
// the HTTP front end sends it as is.
export class JsonText {
  constructor(readonly text: string | Buffer) {}
}
