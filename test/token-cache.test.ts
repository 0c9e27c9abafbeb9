// Verified tokens are remembered by their text, so a client that reuses a token pays for the RSA
// check once. What is remembered must never outlive what made it good: the token's exp and nbf
// (checked on every use, the clock moved with node's mock timers, no waiting), and the signing
// key that verified it (a rotated, replaced or removed key forgets every token it verified), nor
// the world its claims were checked against (a removed tenant refuses its tokens at once).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { exportJWK, generateKeyPair, JWK } from "jose";
import { ArmError } from "../src/core/armError.js";
import {
  Defaults,
  ensureDirectory,
  findPrincipal,
  SIGNING_KEY_ID,
  SIGNING_KEY_TYPE,
  tenantId,
  TENANT_TYPE,
} from "../src/identity/directory.js";
import { ARM_AUDIENCES, directoryIssuer, TokenService } from "../src/identity/tokens.js";
import { MemoryStore } from "../src/store/memory.js";
import { World } from "../src/world/world.js";
import { Writer } from "../src/world/writer.js";

describe("the verified-token cache", () => {
  let world: World;
  let writer: Writer;
  let defaults: Defaults;
  let tokens: TokenService;

  beforeEach(async () => {
    mock.timers.enable({ apis: ["Date"], now: Date.now() });
    world = new World();
    writer = new Writer(new MemoryStore(), world);
    defaults = await ensureDirectory(writer, world);
    tokens = new TokenService(world);
  });
  afterEach(() => mock.timers.reset());

  const issue = (lifetimeSeconds = 60, service = tokens) => {
    const sp = findPrincipal(world, defaults.clientId)!;
    return service.issue({
      issuer: directoryIssuer(defaults.tenantId),
      audience: ARM_AUDIENCES[0],
      principal: { oid: sp.oid, tenantId: sp.tenantId, appId: sp.appId, kind: "servicePrincipal" },
      lifetimeSeconds,
    });
  };
  const verify = (jwt: string) => tokens.verifyArm(`Bearer ${jwt}`);
  const refused = async (jwt: string, code: string, message: RegExp) => {
    await assert.rejects(verify(jwt), (e: unknown) => {
      assert.ok(e instanceof ArmError, String(e));
      assert.equal(e.status, 401);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    });
  };
  const newKey = async (kid: string): Promise<JWK> => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    return { ...(await exportJWK(privateKey)), kid };
  };
  const setKey = (jwk: JWK) => writer.run((tx) => tx.put(SIGNING_KEY_ID, SIGNING_KEY_TYPE, { jwk }));

  it("a cached token is refused from the second after its exp, and before its nbf", async () => {
    const t = await issue(60);
    assert.equal((await verify(t)).oid, findPrincipal(world, defaults.clientId)!.oid);
    mock.timers.tick(59_000);
    assert.equal((await verify(t)).tenantId, defaults.tenantId, "still good one second before exp (cached)");
    mock.timers.tick(1_000);
    await refused(t, "ExpiredAuthenticationToken", /expiry/);
    await refused(t, "ExpiredAuthenticationToken", /expiry/);

    // nbf is 5 s before issue: a clock set back further refuses a token that was cached as good.
    mock.timers.setTime(Date.now() + 60_000);
    const u = await issue(600);
    await verify(u);
    mock.timers.setTime(Date.now() - 10_000);
    await refused(u, "InvalidAuthenticationToken", /not valid yet/);
    mock.timers.setTime(Date.now() + 10_000);
    await verify(u);
  });

  it("a rotated signing key forgets the tokens the old key verified, even under the same key id", async () => {
    const t = await issue();
    await verify(t);
    await verify(t);
    const oldKid = world.get(SIGNING_KEY_ID)!.body.jwk.kid as string;

    // Another key with the same kid: the cached token must be checked again, and fails.
    await setKey(await newKey(oldKid));
    await refused(t, "InvalidAuthenticationToken", /signature does not verify/);
    const u = await issue();
    await verify(u);

    // Another key id: the new key's token is forgotten too, the old one named as foreign.
    await setKey(await newKey("rotated-2"));
    await refused(u, "InvalidAuthenticationToken", /key id/);
    await refused(t, "InvalidAuthenticationToken", /key id/);
    await verify(await issue());
  });

  it("the same key written again (a replica's first start) keeps the cache; a removed key refuses everything", async () => {
    const t = await issue();
    await verify(t);
    const jwk = structuredClone(world.get(SIGNING_KEY_ID)!.body.jwk) as JWK;
    await setKey(jwk);
    await verify(t);

    await writer.run((tx) => tx.delete(SIGNING_KEY_ID));
    await refused(t, "InvalidAuthenticationToken", /signing key is missing/);
    // Put back, the key verifies its tokens again (checked anew, not from a stale cache).
    await setKey(jwk);
    await verify(t);
  });

  it("answers at once only for a token verified with the current key; its claims follow the world", async () => {
    const t = await issue();
    assert.equal(tokens.verifyArmNow(`Bearer ${t}`), undefined, "not verified yet: verifyArm must run");
    await verify(t);
    const sp = findPrincipal(world, defaults.clientId)!;
    // The same token in another header (scheme's case, spaces) is the same remembered token.
    for (const header of [`Bearer ${t}`, `bearer   ${t}`, ` Bearer ${t} `, `Bearer ${t}`])
      assert.equal(tokens.verifyArmNow(header)?.oid, sp.oid, header.slice(0, 12));
    assert.equal(tokens.verifyArmNow(undefined), undefined);
    assert.equal(tokens.verifyArmNow(`Basic ${t}`), undefined);

    // The tenant removed: refused at once, although the same claims passed a moment ago.
    const tenant = structuredClone(world.get(tenantId(defaults.tenantId))!.body);
    await writer.run((tx) => tx.delete(tenantId(defaults.tenantId)));
    await refused(t, "InvalidAuthenticationTokenTenant", /tenant '.*' is not known/);
    assert.throws(
      () => tokens.verifyArmNow(`Bearer ${t}`),
      (e: unknown) => e instanceof ArmError && e.code === "InvalidAuthenticationTokenTenant",
    );
    await writer.run((tx) => tx.put(tenantId(defaults.tenantId), TENANT_TYPE, tenant));
    assert.equal((await verify(t)).oid, sp.oid);

    // Expired: refused at once as well, and forgotten.
    mock.timers.tick(60_000);
    assert.throws(
      () => tokens.verifyArmNow(`Bearer ${t}`),
      (e: unknown) => e instanceof ArmError && e.code === "ExpiredAuthenticationToken",
    );
    await refused(t, "ExpiredAuthenticationToken", /expiry/);

    // Another key: nothing is answered at once until the full check has run with it.
    const u = await issue(600);
    await verify(u);
    await setKey(await newKey("rotated-3"));
    assert.equal(tokens.verifyArmNow(`Bearer ${u}`), undefined);
    await refused(u, "InvalidAuthenticationToken", /key id/);
  });
});
