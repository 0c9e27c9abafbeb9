// A keep-alive HTTPS connection whose next request arrives while a large response is still being
// flushed: Node pauses that connection's parser until the response drains. The request's headers
// and body, written as separate TLS records (as Python's http.client does) that reach the server
// in one network read, must still be answered once the response has drained, never refused with
// a 400 (HPE_PAUSED) and lost.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { AddressInfo, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { ensurePki } from "../src/core/pki.js";
import { answerClientError, readRequestsThroughStream } from "../src/frontends/http.js";

const dir = mkdtempSync(join(tmpdir(), "arclink-paused-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BIG = 8 * 1024 * 1024; // more than the loopback socket buffers hold while the client waits

test(
  "a request sent while a large response is being flushed is answered, not refused",
  { timeout: 120_000 },
  async () => {
    const pki = ensurePki(dir);
    const server = createServer({ key: pki.key, cert: pki.cert, keepAliveTimeout: 30_000 }, (req, res) => {
      let n = 0;
      req.on("data", (d: Buffer) => (n += d.length));
      req.on("end", () => {
        if (req.url === "/big") res.end(Buffer.alloc(BIG, "a"));
        else res.end(JSON.stringify({ received: n }));
      });
    });
    readRequestsThroughStream(server);
    server.on("clientError", answerClientError);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    after(() => server.close());
    const tcp = netConnect((server.address() as AddressInfo).port, "127.0.0.1");

    // The client's TLS runs over this stream so that its records can be held and then sent to the
    // server in one write: the server reads them together, as it does from a busy client.
    let hold = false;
    const held: Buffer[] = [];
    const wire = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        if (hold) {
          held.push(chunk);
          cb();
        } else tcp.write(chunk, cb);
      },
      read() {},
    });
    tcp.on("data", (d) => wire.push(d));
    tcp.on("end", () => wire.push(null));
    const tls = tlsConnect({ socket: wire, rejectUnauthorized: false });
    await new Promise<void>((r) => tls.once("secureConnect", () => r()));

    tls.write("GET /big HTTP/1.1\r\nHost: arclink\r\n\r\n");
    // The first bytes of the large response: the server has queued all of it; the client reads no
    // further for now, so the server is still flushing it when the next request comes.
    await new Promise<void>((r) => tls.once("data", () => r()));
    tls.pause();
    const body = JSON.stringify({ properties: {} });
    hold = true;
    tls.write(
      `PUT /next HTTP/1.1\r\nHost: arclink\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await new Promise<void>((r) => tls.write(body, () => r()));
    hold = false;
    assert.ok(held.length >= 2, "headers and body went out as separate TLS records");
    tcp.write(Buffer.concat(held));

    // Read the rest: the large body, then the answer to the PUT (or the server's refusal).
    let tail = "";
    const answer = await new Promise<string>((resolve, reject) => {
      tls.on("data", (d: Buffer) => {
        tail = (tail + d.toString("latin1")).slice(-4096);
        // The large body holds no status line: the next one answers the PUT, complete once its
        // JSON body is.
        const at = tail.search(/HTTP\/1\.1 \d{3} /);
        if (at >= 0 && tail.endsWith("}")) resolve(tail.slice(at));
      });
      tls.on("error", reject);
      tls.on("end", () => resolve(tail));
      tls.resume();
    });
    tls.destroy();
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/, `the PUT was answered: ${answer.slice(0, 400)}`);
    assert.match(answer, /\{"received":17\}$/);
  },
);

test(
  "a request sent while pipelined responses wait behind an unfinished one is answered, not refused",
  { timeout: 120_000 },
  async () => {
    const pki = ensurePki(dir);
    let bigDone!: () => void;
    const bigEnded = new Promise<void>((r) => (bigDone = r));
    let putSeen!: () => void;
    const putArrived = new Promise<void>((r) => (putSeen = r));
    const server = createServer({ key: pki.key, cert: pki.cert, keepAliveTimeout: 30_000 }, (req, res) => {
      let n = 0;
      if (req.url === "/next") putSeen();
      req.on("data", (d: Buffer) => (n += d.length));
      req.on("end", () => {
        if (req.url === "/slow") {
          // Unfinished until the PUT has arrived (or, if it never does, a while later).
          const t = setTimeout(putSeen, 5_000);
          void putArrived.then(() => {
            clearTimeout(t);
            res.end(JSON.stringify({ slow: true }));
          });
        } else if (req.url === "/big") {
          // Waits behind /slow's response: Node keeps it, and counts it as pending output.
          res.end(Buffer.alloc(1024 * 1024, "a"));
          bigDone();
        } else res.end(JSON.stringify({ received: n }));
      });
    });
    readRequestsThroughStream(server);
    server.on("clientError", answerClientError);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    after(() => server.close());
    const tcp = netConnect((server.address() as AddressInfo).port, "127.0.0.1");
    let hold = false;
    const held: Buffer[] = [];
    const wire = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        if (hold) {
          held.push(chunk);
          cb();
        } else tcp.write(chunk, cb);
      },
      read() {},
    });
    tcp.on("data", (d) => wire.push(d));
    tcp.on("end", () => wire.push(null));
    const tls = tlsConnect({ socket: wire, rejectUnauthorized: false });
    await new Promise<void>((r) => tls.once("secureConnect", () => r()));

    const chunks: Buffer[] = [];
    tls.on("data", (d: Buffer) => chunks.push(d));
    tls.write("GET /slow HTTP/1.1\r\nHost: arclink\r\n\r\nGET /big HTTP/1.1\r\nHost: arclink\r\n\r\n");
    await bigEnded;
    const body = JSON.stringify({ properties: {} });
    hold = true;
    tls.write(
      `PUT /next HTTP/1.1\r\nHost: arclink\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await new Promise<void>((r) => tls.write(body, () => r()));
    hold = false;
    assert.ok(held.length >= 2, "headers and body went out as separate TLS records");
    tcp.write(Buffer.concat(held));

    // Three answers, in order: /slow, /big, then the PUT's (or the server's refusal).
    const text = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const all = Buffer.concat(chunks).toString("latin1");
        const statuses = all.match(/HTTP\/1\.1 \d{3} /g) ?? [];
        if (statuses.length >= 3 && all.endsWith("}")) resolve(all);
      };
      tls.on("data", check);
      tls.on("error", reject);
      tls.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
      check();
    });
    tls.destroy();
    const answers = text.split(/(?=HTTP\/1\.1 \d{3} )/);
    assert.equal(answers.length, 3, `three answers: ${answers.map((a) => a.slice(0, 40)).join(" | ")}`);
    assert.match(answers[0], /^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"slow":true\}$/);
    assert.match(answers[1], /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answers[2], /^HTTP\/1\.1 200 OK\r\n/, `the PUT was answered: ${answers[2]?.slice(0, 400)}`);
    assert.match(answers[2], /\{"received":17\}$/);
  },
);
