// The portal: a browser front end over the same ARM API (no side door). This module only serves
// files: the static page and styles from src/frontends/portal/static/, the compiled browser modules
// from dist/src/frontends/portal/app/, and /portal/config.json (where the tenant and subscription
// are — never a secret). The browser signs in at the token endpoint like any client and sends
// every call to ARM with `Authorization: Bearer`.
import { IncomingMessage, ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface PortalOptions {
  tenantId: string;
  subscriptionId: string;
  /** Folder of index.html and styles; default src/frontends/portal/static next to the sources. */
  staticDir?: string;
  /** Folder of the compiled browser modules; default ./app next to this module. */
  appDir?: string;
}

// dist/src/frontends/portal/portal.js → <root>/src/frontends/portal/static/
const STATIC_DIR = fileURLToPath(new URL("../../../../src/frontends/portal/static/", import.meta.url));
const APP_DIR = fileURLToPath(new URL("./app/", import.meta.url));

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json; charset=utf-8",
  json: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

/** The page may load and call only its own origin; scripts are modules from /portal/app/. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Pure modules (no Node imports) the browser shares with the server, so that both read a template
 * alike: app/<name> re-exports one for the type checker, and the browser is served the module itself.
 */
const SHARED: Record<string, string> = {
  "jsonc.js": fileURLToPath(new URL("../../templates/jsonc.js", import.meta.url)),
  "jsonc.js.map": fileURLToPath(new URL("../../templates/jsonc.js.map", import.meta.url)),
};

const SAFE_FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  origin: string,
) => false | Promise<boolean>;

/** The portal's handler: false at once for a path outside /portal. */
export function portalHandler(opts: PortalOptions): Handler {
  const serve = portalServer(opts);
  // The pipeline normalizes the path: "/portal/" arrives as "/portal".
  return (req, res, path, origin) =>
    path !== "/portal" && !path.startsWith("/portal/") ? false : serve(req, res, path, origin);
}

function portalServer(
  opts: PortalOptions,
): (req: IncomingMessage, res: ServerResponse, path: string, origin: string) => Promise<boolean> {
  const staticDir = opts.staticDir ?? STATIC_DIR;
  const appDir = opts.appDir ?? APP_DIR;
  return async (req, res, path, origin) => {
    const method = (req.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      send(
        res,
        method,
        405,
        "text/plain; charset=utf-8",
        `${method} is not supported on the portal; use GET.`,
        {
          Allow: "GET, HEAD",
        },
      );
      return true;
    }
    const rest = path.slice("/portal".length).replace(/^\//, "");
    if (rest === "" || rest === "index.html") {
      await sendFile(res, method, join(staticDir, "index.html"), { "Content-Security-Policy": CSP });
      return true;
    }
    if (rest === "config.json") {
      const body = JSON.stringify({
        tenantId: opts.tenantId,
        subscriptionId: opts.subscriptionId,
        arm: origin,
      });
      send(res, method, 200, TYPES.json, body);
      return true;
    }
    const parts = rest.split("/");
    if (
      parts.length === 2 &&
      parts[0] === "app" &&
      SAFE_FILE.test(parts[1]) &&
      /\.js(\.map)?$/.test(parts[1])
    ) {
      await sendFile(res, method, SHARED[parts[1]] ?? join(appDir, parts[1]));
      return true;
    }
    if (parts.length === 1 && SAFE_FILE.test(parts[0])) {
      await sendFile(res, method, join(staticDir, parts[0]));
      return true;
    }
    notFound(res, method, path);
    return true;
  };
}

async function sendFile(
  res: ServerResponse,
  method: string,
  file: string,
  extra: Record<string, string> = {},
): Promise<void> {
  const ext = file.slice(file.lastIndexOf(".") + 1).toLowerCase();
  const type = TYPES[ext];
  if (!type) return notFound(res, method, file);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return notFound(res, method, file);
  }
  send(res, method, 200, type, body, extra);
}

function notFound(res: ServerResponse, method: string, what: string): void {
  const name = what.split("/").pop();
  send(
    res,
    method,
    404,
    TYPES.json,
    JSON.stringify({
      error: { code: "NotFound", message: `The portal has no file '${name}'. Open /portal/ to start.` },
    }),
  );
}

function send(
  res: ServerResponse,
  method: string,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": buf.length,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    ...extra,
  });
  res.end(method === "HEAD" ? undefined : buf);
}
