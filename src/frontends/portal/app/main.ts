/// <reference lib="dom" />
// The portal's entry point: load /portal/config.json, sign in (client credentials at the token
// endpoint; the token is kept for this tab's session), then route #/… to the views.
import {
  isSignedIn,
  loadConfig,
  PortalConfig,
  SIGN_IN_REQUIRED,
  signedInAccount,
  signIn,
  signOut,
} from "./api.js";
import { clear, errorBox, field, h, loading } from "./dom.js";
import { renderCreateScope } from "./createScope.js";
import { renderEndpoint, renderEndpoints } from "./endpoints.js";
import { renderAddServers, renderMachine, renderMachines } from "./machines.js";
import { renderGenerateScript } from "./script.js";
import { renderScope, renderScopes } from "./scopes.js";
import { renderTopology } from "./topology.js";
import { renderZone, renderZones } from "./zones.js";
import { renderCreateZone } from "./createZone.js";
import { renderDeployTemplate } from "./deployTemplate.js";
import { renderDeployment, renderDeployments } from "./deployment.js";

export interface View {
  cfg: PortalConfig;
  /** The view's own element (detached when the user navigates away). */
  root: HTMLElement;
}

type Route = [RegExp, (v: View, m: RegExpExecArray) => Promise<void> | void];

const ROUTES: Route[] = [
  [/^\/topology$/, (v) => renderTopology(v)],
  [/^\/scopes$/, (v) => renderScopes(v)],
  [/^\/scopes\/create$/, (v) => renderCreateScope(v)],
  [/^\/scope\/([^/]+)(?:\/([a-z]+))?$/, (v, m) => renderScope(v, decodeURIComponent(m[1]), m[2])],
  [/^\/endpoints$/, (v) => renderEndpoints(v)],
  [/^\/endpoint\/([^/]+)(?:\/([a-z]+))?$/, (v, m) => renderEndpoint(v, decodeURIComponent(m[1]), m[2])],
  [/^\/machines$/, (v) => renderMachines(v)],
  [/^\/machine\/([^/]+)(?:\/([a-z]+))?$/, (v, m) => renderMachine(v, decodeURIComponent(m[1]))],
  [/^\/zone\/([^/]+)(?:\/([a-z]+))?$/, (v, m) => renderZone(v, decodeURIComponent(m[1]))],
  [/^\/zones$/, (v) => renderZones(v)],
  [/^\/zones\/create$/, (v) => renderCreateZone(v)],
  [/^\/deploy$/, (v) => renderDeployTemplate(v)],
  [/^\/deployments(?:\?group=[^/]*)?$/, (v) => renderDeployments(v)],
  [/^\/deployment\/([^/]+)(?:\/([a-z]+))?$/, (v, m) => renderDeployment(v, decodeURIComponent(m[1]), m[2])],
  [/^\/machines\/add$/, (v) => renderAddServers(v)],
  [/^\/machines\/add\/(single|multiple)$/, (v, m) => renderGenerateScript(v, m[1] as "single" | "multiple")],
];

const NAV: Array<[string, string]> = [
  ["/topology", "Topology"],
  ["/scopes", "Azure Arc Private Link Scopes"],
  ["/endpoints", "Private endpoints"],
  ["/machines", "Machines – Azure Arc"],
  ["/zones", "Private DNS zones"],
  ["/deploy", "Deploy a custom template"],
];

let cfg: PortalConfig;

function route(): string {
  const r = location.hash.replace(/^#/, "");
  return r.startsWith("/") ? r : "/topology";
}

function renderHeader(): void {
  const who = document.getElementById("who")!;
  clear(who);
  if (isSignedIn()) {
    who.append(
      h("span", { class: "account" }, `Signed in as ${signedInAccount()} · tenant ${cfg.tenantId}`),
      " ",
      h(
        "button",
        {
          type: "button",
          class: "link",
          onclick: () => {
            signOut();
            void render();
          },
        },
        "Sign out",
      ),
    );
  }
}

function renderNav(current: string): void {
  const nav = document.getElementById("nav")!;
  clear(nav);
  if (!isSignedIn()) return;
  nav.append(
    h(
      "ul",
      null,
      NAV.map(([r, label]) => {
        const active =
          current === r || current.startsWith(r.replace(/s$/, "")) || current.startsWith(`${r}/`);
        return h(
          "li",
          null,
          h(
            "a",
            { href: `#${r}`, "aria-current": active ? "page" : undefined, class: active ? "active" : "" },
            label,
          ),
        );
      }),
    ),
  );
}

function renderSignIn(main: HTMLElement): void {
  const clientId = h("input", { type: "text", name: "clientId", autocomplete: "username", required: true });
  const secret = h("input", {
    type: "password",
    name: "secret",
    autocomplete: "current-password",
    required: true,
  });
  const out = h("div", { class: "out" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to ArcLink"),
    h(
      "p",
      null,
      "Sign in with a service principal of the tenant, as Azure tools do: the portal asks Microsoft Entra ID (ArcLink's token endpoint) for an Azure Resource Manager token and keeps it for this tab's session (until it expires or you sign out; the secret is never kept).",
    ),
    field("Tenant", h("input", { type: "text", value: cfg.tenantId, readonly: true, name: "tenant" })),
    field("Client (application) ID", clientId),
    field("Client secret", secret),
    h("div", { class: "buttons" }, button),
    out,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void (async () => {
      clear(out);
      out.append(loading("Signing in…"));
      button.disabled = true;
      try {
        await signIn(cfg.tenantId, clientId.value.trim(), secret.value);
        secret.value = "";
        await render();
      } catch (e) {
        clear(out);
        out.append(errorBox(e, "Sign-in failed"));
      } finally {
        button.disabled = false;
      }
    })();
  });
  main.append(form);
  clientId.focus();
}

async function render(): Promise<void> {
  const main = document.getElementById("content")!;
  clear(main);
  const r = route();
  renderHeader();
  renderNav(r);
  if (!isSignedIn()) {
    renderSignIn(main);
    return;
  }
  const root = h("div", { class: "view" });
  main.append(root);
  const hit = ROUTES.map(([re, fn]) => [re.exec(r), fn] as const).find(([m]) => m);
  if (!hit) {
    root.append(
      h("h1", null, "Not found"),
      h("p", null, `The portal has no page ${r}.`),
      h("a", { href: "#/topology" }, "Go to the topology"),
    );
    return;
  }
  try {
    await hit[1]({ cfg, root }, hit[0]!);
  } catch (e) {
    root.append(errorBox(e, "This page could not be loaded"));
  }
}

async function boot(): Promise<void> {
  const main = document.getElementById("content")!;
  main.append(loading("Loading the portal…"));
  try {
    cfg = await loadConfig();
  } catch (e) {
    clear(main);
    main.append(errorBox(e, "The portal could not load its configuration"));
    return;
  }
  window.addEventListener("hashchange", () => void render());
  window.addEventListener(SIGN_IN_REQUIRED, () => void render());
  await render();
}

void boot();
