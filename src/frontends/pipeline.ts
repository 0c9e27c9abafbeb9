// The HTTPS request pipeline, in explicit phases:
// request ids → (metadata | identity | ARM: auth → api-version → body → dispatch) → serialize.
import { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, isArmError } from "../core/armError.js";
import { newGuid } from "../core/guid.js";
import { requireApiVersion } from "../engine/apiVersion.js";
import { handleArm } from "../engine/armHandler.js";
import { isDeploymentPath } from "../providers/resources/deployments.js";
import { ArmServices } from "../engine/context.js";
import { cloudMetadata } from "../engine/metadata.js";
import { handleIdentity } from "./identity/endpoints.js";
import { TokenService } from "../identity/tokens.js";
import { Throttle } from "./throttle.js";
import { SignInCounter, SignInThrottle } from "./identity/signInThrottle.js";
import { BodyTooLargeError, readBody, sendJson, splitTarget } from "./http.js";

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

function originOf(req: IncomingMessage): string {
  return `https://${req.headers.host ?? "127.0.0.1"}`;
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

export function createPipeline(deps: PipelineDeps) {
  const { services, tokens } = deps;
  const signIns = (deps.signIns ??= new SignInThrottle());
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const base = requestHeaders(req);
    const origin = originOf(req);
    const { path, query } = splitTarget(req.url);
    try {
      if (path.toLowerCase() === "/metadata/endpoints") {
        sendJson(res, 200, cloudMetadata(origin, query.get("api-version") ?? undefined), base);
        return;
      }
      if (await handleIdentity(req, res, path, query, { world: services.world, tokens, origin, signIns }))
        return;
      for (const h of deps.extra ?? []) if (await h(req, res, path, origin)) return;
      await serveArm(deps, req, res, path, query, req.headers.authorization, origin, base);
    } catch (e) {
      sendError(res, e, base, deps.log);
    }
  };
}

/** One ARM call: auth → api-version → body → dispatch → serialize. Also used by the gateway's ARM service. */
const OFF = new Throttle(false);

export async function serveArm(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  authorization: string | undefined,
  origin: string,
  base: Record<string, string>,
): Promise<void> {
  const principal = await deps.tokens.verifyArm(authorization, origin);
  const method = (req.method ?? "GET").toUpperCase();
  const sub = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1];
  Object.assign(base, (deps.throttle ?? OFF).take(principal.oid, sub, method));
  const apiVersion = requireApiVersion(query);
  let body: unknown;
  if (method === "PUT" || method === "PATCH" || method === "POST") {
    const raw = await readBody(req);
    if (raw.length > 0) requireJsonMediaType(req.headers["content-type"]);
    // A deployment body may be JSONC (az sends the template as written): its handler parses it.
    body = isDeploymentPath(path) && raw.length ? raw.toString("utf8") : parseJson(raw);
  }
  const out = await handleArm(deps.services, {
    method,
    path,
    query,
    headers: req.headers,
    body,
    principal,
    apiVersion,
    baseUrl: origin,
  });
  const headers = { ...base, ...(out.headers ?? {}) };
  if (method === "HEAD") {
    res.writeHead(out.status, headers);
    res.end();
    return;
  }
  sendJson(res, out.status, out.body, headers);
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
