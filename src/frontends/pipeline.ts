// The HTTPS request pipeline, in explicit phases:
// request ids → (metadata | identity | ARM: auth → api-version → body → dispatch) → serialize.
import { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, isArmError } from "../core/armError.js";
import { newGuid } from "../core/guid.js";
import { requireApiVersion } from "../engine/apiVersion.js";
import { handleArmNow } from "../engine/armHandler.js";
import { isDeploymentPath } from "../providers/resources/deployments.js";
import { ArmRequest, ArmResponse, ArmServices } from "../engine/context.js";
import { cloudMetadata } from "../engine/metadata.js";
import { handleIdentity, isIdentityPath } from "./identity/endpoints.js";
import { TokenService } from "../identity/tokens.js";
import { Throttle } from "./throttle.js";
import { SignInCounter, SignInThrottle } from "./identity/signInThrottle.js";
import { BodyTooLargeError, readBody, sendJson, sendJsonWith, splitTarget } from "./http.js";
import { Principal } from "../providers/contract.js";
import { JsonStream } from "../core/jsonStream.js";
import { sendJsonStream } from "./httpStream.js";

export interface PipelineDeps {
  services: ArmServices;
  tokens: TokenService;
  /** Extra handlers tried before ARM (portal, services gateway); return true when handled. */
  extra?: Array<
    (req: IncomingMessage, res: ServerResponse, path: string, origin: string) => Promise<boolean> | boolean
  >;
  log?: (line: string) => void;
  /** ARM's per-principal token buckets (x-ms-ratelimit-remaining-*, 429 when empty). */
  throttle?: Throttle;
  /** The token endpoint's failed attempts per client and address (created with the pipeline when absent). */
  signIns?: SignInCounter;
}

let lastHost: string | undefined;
let lastOrigin = "";

function originOf(req: IncomingMessage): string {
  const host = req.headers.host ?? "127.0.0.1";
  // Clients keep one Host header: made once for it, not per request.
  if (host !== lastHost) {
    lastHost = host;
    lastOrigin = `https://${host}`;
  }
  return lastOrigin;
}

let stampSecond = -1;
let stampText = "";

/** The routing id's UTC time to the second (20261207T031200), made once per second, not per request. */
function routingStamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(now).toISOString().replace(/[-:]/g, "").slice(0, 15);
  }
  return stampText;
}

export function requestHeaders(req: IncomingMessage): Record<string, string> {
  const requestId = newGuid();
  const h: Record<string, string> = {
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": String(req.headers["x-ms-correlation-request-id"] ?? requestId),
    "x-ms-routing-request-id": `LOCAL:${routingStamp()}Z:${requestId}`,
    "Cache-Control": "no-cache",
  };
  const client = req.headers["x-ms-client-request-id"];
  if (client) h["x-ms-client-request-id"] = String(client);
  return h;
}

const METADATA_PATH = "/metadata/endpoints";

/**
 * The HTTPS request handler. Each front end is asked in turn (cloud metadata, identity, the extra
 * handlers, then ARM); one that does not serve a path says so at once, so a request that needs
 * nothing waited for (an ARM read with a token already verified) is answered without a promise.
 */
export function createPipeline(deps: PipelineDeps) {
  const { services, tokens } = deps;
  const signIns = (deps.signIns ??= new SignInThrottle());
  const extra = deps.extra ?? [];
  return (req: IncomingMessage, res: ServerResponse): Promise<void> | void => {
    const base = requestHeaders(req);
    const origin = originOf(req);
    const { path, query } = splitTarget(req.url);
    const fail = (e: unknown) => sendError(res, e, base, deps.log);
    /** The extra handlers from the i-th on, then ARM. */
    const from = (i: number): Promise<void> | void => {
      for (; i < extra.length; i++) {
        const handled = extra[i](req, res, path, origin);
        if (handled === true) return;
        if (handled !== false) {
          const next = i + 1;
          return handled.then((h) => (h ? undefined : from(next)));
        }
      }
      return serveArm(deps, req, res, path, query, req.headers.authorization, origin, base);
    };
    try {
      if (path.length === METADATA_PATH.length && path.toLowerCase() === METADATA_PATH) {
        sendJson(res, 200, cloudMetadata(origin, query.get("api-version") ?? undefined), base);
        return;
      }
      const done = isIdentityPath(path)
        ? handleIdentity(req, res, path, query, { world: services.world, tokens, origin, signIns }).then(
            (h) => (h ? undefined : from(0)),
          )
        : from(0);
      return done?.catch(fail);
    } catch (e) {
      fail(e);
    }
  };
}

/** One ARM call: auth → api-version → body → dispatch → serialize. Also used by the gateway's ARM service. */
const OFF = new Throttle(false);

/**
 * Serves one ARM request. Answers before returning when nothing needs waiting for (a token already
 * verified, no body, a route answered from memory); otherwise returns the promise of the answer.
 * Throws (or rejects with) the error to send.
 */
export function serveArm(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  authorization: string | undefined,
  origin: string,
  base: Record<string, string>,
): Promise<void> | void {
  const principal = deps.tokens.verifyArmNow(authorization, origin);
  if (principal === undefined) {
    return deps.tokens
      .verifyArm(authorization, origin)
      .then((p) => serveVerified(deps, req, res, path, query, origin, base, p));
  }
  return serveVerified(deps, req, res, path, query, origin, base, principal);
}

function serveVerified(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  origin: string,
  base: Record<string, string>,
  principal: Principal,
): Promise<void> | void {
  const method = (req.method ?? "GET").toUpperCase();
  const throttle = deps.throttle ?? OFF;
  // The subscription names the bucket: read only when requests are throttled.
  const sub = throttle.enabled ? /^\/subscriptions\/([^/]+)/i.exec(path)?.[1] : undefined;
  throttle.takeInto(base, principal.oid, sub, method);
  const apiVersion = requireApiVersion(query);
  const request = (body: unknown): ArmRequest => ({
    method,
    path,
    query,
    headers: req.headers,
    body,
    principal,
    apiVersion,
    baseUrl: origin,
  });
  if (method === "PUT" || method === "PATCH" || method === "POST") {
    return readBody(req).then((raw) => {
      if (raw.length > 0) requireJsonMediaType(req.headers["content-type"]);
      // A deployment body may be JSONC (az sends the template as written): its handler parses it.
      const body = isDeploymentPath(path) && raw.length ? raw.toString("utf8") : parseJson(raw);
      return answer(deps, res, method, request(body), base);
    });
  }
  return answer(deps, res, method, request(undefined), base);
}

function answer(
  deps: PipelineDeps,
  res: ServerResponse,
  method: string,
  r: ArmRequest,
  base: Record<string, string>,
): Promise<void> | void {
  // The server's own World: a read's answer may be kept while it is unchanged.
  const out = handleArmNow(deps.services, r, true);
  if (out instanceof Promise) return out.then((o) => respond(res, method, o, base));
  return respond(res, method, out, base);
}

/**
 * Writes an ARM response: the request's headers (`base`, this response's own), then the handler's.
 * `base` itself is written only when the handler adds none: were they refused (a character a
 * header may not hold), the error response still has `base` without them.
 */
function respond(
  res: ServerResponse,
  method: string,
  out: ArmResponse,
  base: Record<string, string>,
): Promise<void> | void {
  // A body written in pieces (a report too large for one string): chunked, as it is made.
  if (out.body instanceof JsonStream && method !== "HEAD")
    return sendJsonStream(res, out.status, out.body, { ...base, ...out.headers });
  const headers = out.headers && hasKeys(out.headers) ? { ...base, ...out.headers } : base;
  if (method === "HEAD") {
    res.writeHead(out.status, headers);
    res.end();
    return;
  }
  sendJsonWith(res, out.status, out.body, headers);
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * ARM reads request bodies only as JSON: another declared media type is 415, before the body is
 * parsed. A body without a Content-Type is read as JSON.
 */
function requireJsonMediaType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === "") return;
  const media = contentType.split(";")[0].trim().toLowerCase();
  if (media === "application/json" || media === "text/json" || media.endsWith("+json")) return;
  throw new ArmError(
    415,
    "UnsupportedMediaType",
    `The content media type '${media}' is not supported. Only 'application/json' is supported: send the body as JSON with Content-Type: application/json.`,
  );
}

/** Deeper bodies are refused: validators, merge-patch and copies recurse over the body. */
export const MAX_JSON_DEPTH = 64;

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: ${(e as Error).message}. Send a JSON object.`,
    );
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: it nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep. Send a resource body as ARM documents it.`,
    );
  }
  return value;
}

/** Nesting depth of a parsed JSON value, measured without recursion (it may be very deep). */
function jsonDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function sendError(
  res: ServerResponse,
  e: unknown,
  base: Record<string, string>,
  log?: (l: string) => void,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isArmError(e)) {
    sendJson(res, e.status, e.toBody(), { ...base, ...e.headers, "x-ms-failure-cause": "gateway" });
    return;
  }
  if (e instanceof BodyTooLargeError) {
    sendJson(
      res,
      413,
      { error: { code: "RequestEntityTooLarge", message: `${e.message}. Send a smaller request.` } },
      base,
    );
    return;
  }
  log?.(`internal error: ${(e as Error)?.stack ?? String(e)}`);
  sendJson(
    res,
    500,
    {
      error: {
        code: "InternalServerError",
        message: `ArcLink failed to process the request: ${(e as Error)?.message}`,
      },
    },
    base,
  );
}
