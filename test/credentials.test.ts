// Who a credential lets act: a host credential acts only as its host, a machine credential only
// for its machine and only from the host that onboarded it, and neither is an ARM token (nor an
// ARM token either of them). Driven through the real server: the agent onboards one machine on
// srv-lnx-01 of the reference topology, then its credentials are tried where they do not belong.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm, raw, RawResponse, token } from "./helpers/arm.js";
import { connectArgs, getMachine, hostCredential, hostEnv, runAgent, scopeIdOf } from "./helpers/agent.js";
import { ROOT, startServer, type TestServer } from "./helpers/server.js";

const T = { timeout: 120_000 };
const ARM_READ = "/subscriptions?api-version=2022-12-01";

let srv: TestServer;
let tmp: string;
let machineCredential: string;
let hostA: Record<string, any>;
let hostB: Record<string, any>;
let hisAddress: string;

/** A call to the gateway (same HTTPS port as ARM) with a host token. */
function gateway(
  hostToken: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: object,
): Promise<RawResponse> {
  return raw(srv.info, method, `/.gateway${path}`, body, {
    authorization: `Bearer ${hostToken}`,
    ...headers,
  });
}

/** A heartbeat to the regional HIS's private address, dialled by a host, with a machine credential. */
function heartbeat(hostToken: string, credential: string): Promise<RawResponse> {
  return gateway(
    hostToken,
    "POST",
    "/dial/machines/heartbeat",
    {
      "x-arclink-dial": `${hisAddress}:443`,
      "x-arclink-server-name": "eus.his.arc.azure.com",
      "x-arclink-agent-version": "1.45",
      "x-arclink-purpose": "heartbeat",
      "x-arclink-authorization": `Bearer ${credential}`,
    },
    {},
  );
}

/** A JWT with its payload changed and the signature kept (what a forger can do without the key). */
function tamper(jwt: string, change: (p: Record<string, any>) => void): string {
  const [h, p, s] = jwt.split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  change(payload);
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
}

before(async () => {
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  tmp = mkdtempSync(join(tmpdir(), "arclink-cred-"));
  const env = await hostEnv(srv, tmp, "srv-lnx-01");
  const r = await runAgent(
    connectArgs(srv, "cred-a", "eastus", ["--private-link-scope", scopeIdOf(srv, "pls-arc")]),
    env,
  );
  assert.equal(r.code, 0, r.all);
  const state = JSON.parse(readFileSync(join(env.AZCMAGENT_HOME, "state.json"), "utf8"));
  machineCredential = state.machineCredential;
  assert.ok(machineCredential, "the agent holds a machine credential after connect");
  hostA = await hostCredential(srv, "srv-lnx-01");
  hostB = await hostCredential(srv, "srv-win-01");
  const res = await arm(
    srv.info,
    "POST",
    `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/resolve?api-version=2025-01-01`,
    { host: "srv-win-01", name: "eus.his.arc.azure.com" },
  );
  assert.equal(res.status, 200, res.text);
  hisAddress = res.json.answers.find((a: any) => a.type === "A").data;
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("credentials act only for what they were issued for", () => {
  it("the machine's own host heartbeats with its machine credential", T, async () => {
    const r = await heartbeat(hostA.token, machineCredential);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, "Connected");
    assert.equal(r.headers["x-arclink-path"], "private");
  });

  it("another host cannot use that machine credential, and nothing is recorded", T, async () => {
    const before = await getMachine(srv, "cred-a");
    assert.equal(before.status, 200, before.text);
    const r = await heartbeat(hostB.token, machineCredential);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, "MachineCredentialOfAnotherHost", r.text);
    assert.match(r.json.error.message, /srv-lnx-01/);
    const afterwards = await getMachine(srv, "cred-a");
    assert.equal(afterwards.json.etag, before.json.etag, "the refused heartbeat wrote nothing");
  });

  it("another host cannot register a machine that a host already onboarded", T, async () => {
    const before = await getMachine(srv, "cred-a");
    const sp = await token(srv.info);
    const r = await gateway(
      hostB.token,
      "POST",
      "/dial/machines/register",
      {
        "x-arclink-dial": `${hisAddress}:443`,
        "x-arclink-server-name": "eus.his.arc.azure.com",
        "x-arclink-agent-version": "1.45",
        "x-arclink-purpose": "onboard",
        "x-arclink-authorization": `Bearer ${sp}`,
      },
      { resourceId: before.json.id, agentVersion: "1.45", osType: "windows" },
    );
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, "MachineOnboardedByAnotherHost", r.text);
    const afterwards = await getMachine(srv, "cred-a");
    assert.equal(afterwards.json.etag, before.json.etag, "the refused registration wrote nothing");
  });

  it("a host credential shows only its own host, whatever the request asks for", T, async () => {
    const a = await gateway(hostA.token, "GET", "/host", { "x-arclink-host": "srv-win-01" });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.hostName, "srv-lnx-01");
    const b = await gateway(hostB.token, "GET", "/host");
    assert.equal(b.json.hostName, "srv-win-01");
  });

  it("a host credential whose host was changed by hand is refused", T, async () => {
    const forged = tamper(hostA.token, (p) => {
      for (const k of Object.keys(p))
        if (typeof p[k] === "string") p[k] = p[k].replace("srv-lnx-01", "srv-win-01");
    });
    assert.notEqual(forged, hostA.token);
    const r = await gateway(forged, "GET", "/host");
    assert.equal(r.status, 401, r.text);
    const hb = await heartbeat(forged, machineCredential);
    assert.equal(hb.status, 401, hb.text);
  });

  it("a machine credential is not a host credential, nor an ARM token", T, async () => {
    const asHost = await gateway(machineCredential, "GET", "/host");
    assert.equal(asHost.status, 401, asHost.text);
    const asArm = await raw(srv.info, "GET", ARM_READ, undefined, {
      authorization: `Bearer ${machineCredential}`,
    });
    assert.equal(asArm.status, 401, asArm.text);
    assert.ok(asArm.json?.error?.code, asArm.text);
  });

  it("a host credential is not an ARM token, and an ARM token is not a host credential", T, async () => {
    const asArm = await raw(srv.info, "GET", ARM_READ, undefined, { authorization: `Bearer ${hostA.token}` });
    assert.equal(asArm.status, 401, asArm.text);
    const sp = await token(srv.info);
    const asHost = await gateway(sp, "GET", "/host");
    assert.equal(asHost.status, 401, asHost.text);
    assert.equal(asHost.json.error.code, "InvalidHostCredential", asHost.text);
    // The same ARM token still works where it belongs.
    const ok = await raw(srv.info, "GET", ARM_READ, undefined, { authorization: `Bearer ${sp}` });
    assert.equal(ok.status, 200, ok.text);
  });
});
