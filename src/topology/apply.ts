// Sends a plan to an ARM endpoint over HTTPS, as any client would: a client-credentials token
// from the endpoint's token service, one PUT per step in order, and for long-running writes a poll
// of Azure-AsyncOperation (or Location) until the operation has finished.
import { request } from "node:https";
import { Plan, PlanStep } from "./plan.js";

export interface ArmTarget {
  /** https origin, e.g. https://127.0.0.1:8443 */
  arm: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM text of the CA to trust (ArcLink's own CA). */
  ca?: string;
}

export interface StepResult {
  step: PlanStep;
  /** "created" (201, or absent before a PUT the spec answers with 200 either way) or "updated". */
  outcome: "created" | "updated";
  status: number;
}

/** An ARM refusal (or a transport failure) while applying a step. */
export class ApplyError extends Error {
  constructor(
    readonly step: PlanStep | undefined,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApplyError";
  }
}

interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export class ArmClient {
  private token?: string;

  constructor(
    private readonly target: ArmTarget,
    private readonly timeoutMs = 30_000,
  ) {}

  async getToken(): Promise<string> {
    if (this.token) return this.token;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.target.clientId,
      client_secret: this.target.clientSecret,
      scope: "https://management.azure.com/.default",
    }).toString();
    const r = await this.send("POST", `${this.target.arm}/${this.target.tenantId}/oauth2/v2.0/token`, form, {
      "content-type": "application/x-www-form-urlencoded",
    });
    if (r.status !== 200 || typeof r.json?.access_token !== "string") {
      const e = r.json ?? {};
      throw new ApplyError(
        undefined,
        r.status,
        String(e.error ?? "TokenRequestFailed"),
        `Could not get a token for client ${this.target.clientId} in tenant ${this.target.tenantId}: ${String(e.error_description ?? r.text).split("\n")[0]}`,
      );
    }
    this.token = r.json.access_token as string;
    return this.token;
  }

  async call(method: string, pathOrUrl: string, body?: unknown): Promise<HttpResponse> {
    const t = await this.getToken();
    const url = pathOrUrl.startsWith("https://") ? pathOrUrl : `${this.target.arm}${pathOrUrl}`;
    return this.send(method, url, body === undefined ? undefined : JSON.stringify(body), {
      authorization: `Bearer ${t}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    });
  }

  /** The first subscription the principal can see (the default one on a fresh ArcLink). */
  async defaultSubscription(): Promise<string> {
    const r = await this.call("GET", "/subscriptions?api-version=2022-12-01");
    const first = r.json?.value?.[0]?.subscriptionId;
    if (r.status !== 200 || typeof first !== "string") {
      throw new ApplyError(
        undefined,
        r.status,
        "SubscriptionNotFound",
        "The principal can see no subscription; pass --subscription.",
      );
    }
    return first;
  }

  private send(
    method: string,
    url: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname.replace(/^\[|\]$/g, ""),
          port: u.port || 443,
          method,
          path: u.pathname + u.search,
          ca: this.target.ca,
          headers: { accept: "application/json", ...headers },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: any;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.on("error", (e) =>
        reject(
          new ApplyError(
            undefined,
            0,
            "ConnectionFailed",
            `${method} ${u.origin}${u.pathname}: ${(e as Error).message}`,
          ),
        ),
      );
      req.on("timeout", () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

/** Types whose PUT answers 200 when it creates, as the spec declares. */
const CREATED_WITH_200 = new Set(["microsoft.hybridcompute/machines"]);

/** Applies every step in order; stops at the first refusal (throws ApplyError). */
export async function applyPlan(
  p: Plan,
  client: ArmClient,
  opts: { onStep?: (r: StepResult) => void; pollTimeoutMs?: number } = {},
): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const step of p.steps) {
    const url = `${step.id}?api-version=${encodeURIComponent(step.apiVersion)}`;
    // Machines_CreateOrUpdate answers 200 whether it creates or updates: ask first.
    const existed = CREATED_WITH_200.has(step.type.toLowerCase())
      ? (await client.call("GET", url)).status === 200
      : undefined;
    const r = await client.call(step.method, url, step.body);
    if (r.status !== 200 && r.status !== 201 && r.status !== 202) throw refusal(step, r);
    await waitFor(client, step, r, opts.pollTimeoutMs ?? 120_000);
    const created = existed === undefined ? r.status === 201 : !existed;
    const res: StepResult = { step, outcome: created ? "created" : "updated", status: r.status };
    out.push(res);
    opts.onStep?.(res);
  }
  return out;
}

function refusal(step: PlanStep, r: HttpResponse): ApplyError {
  const e = r.json?.error ?? {};
  const code = typeof e.code === "string" ? e.code : `HTTP${r.status}`;
  const message = typeof e.message === "string" ? e.message : r.text.slice(0, 500) || `HTTP ${r.status}`;
  return new ApplyError(step, r.status, code, message);
}

function header(r: HttpResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Polls Azure-AsyncOperation (or Location for a 202 without it) until the write has finished. */
async function waitFor(
  client: ArmClient,
  step: PlanStep,
  first: HttpResponse,
  timeoutMs: number,
): Promise<void> {
  const ao = header(first, "azure-asyncoperation");
  const location = header(first, "location");
  if (!ao && !(first.status === 202 && location)) return;
  const deadline = Date.now() + timeoutMs;
  let delay = retryAfter(first);
  for (;;) {
    if (Date.now() > deadline) {
      throw new ApplyError(
        step,
        0,
        "OperationTimedOut",
        `The operation did not finish in ${Math.round(timeoutMs / 1000)} s.`,
      );
    }
    if (delay > 0) await new Promise((res) => setTimeout(res, delay));
    const r = await client.call("GET", ao ?? location!);
    if (ao) {
      if (r.status !== 200) throw refusal(step, r);
      const status = String(r.json?.status ?? "");
      if (status === "Succeeded") return;
      if (status === "Failed" || status === "Canceled") {
        const e = r.json?.error ?? {};
        throw new ApplyError(
          step,
          200,
          String(e.code ?? status),
          String(e.message ?? `The operation ended ${status}.`),
        );
      }
    } else {
      if (r.status >= 400) throw refusal(step, r);
      if (r.status !== 202) return;
    }
    delay = Math.max(retryAfter(r), 100);
  }
}

function retryAfter(r: HttpResponse): number {
  const s = Number(header(r, "retry-after"));
  return Number.isFinite(s) && s > 0 ? Math.min(s, 5) * 1000 : 0;
}
