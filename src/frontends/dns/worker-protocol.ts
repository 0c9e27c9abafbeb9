// Messages between the server process and its DNS worker processes (see workers.ts).
import type { DnsQuestion, QueryMeta } from "./listener-handler.js";
import type { DnsAnswer } from "./wire.js";

/**
 * Server → worker. `udp` carries the listener's bound UDP socket as the IPC handle, `conn` one
 * TCP connection the server accepted on the listener's port (nothing read from it yet).
 */
export type ToWorker =
  | { t: "version"; version: number }
  | { t: "udp"; listener: string }
  | { t: "conn"; listener: string }
  | { t: "close"; listener: string }
  | { t: "answer"; n: number; answer: DnsAnswer | null; error?: string };

/** Worker → server. */
export type FromWorker =
  | { t: "ack"; version: number }
  | { t: "ask"; n: number; listener: string; q: DnsQuestion; meta: QueryMeta }
  | { t: "serving"; listener: string }
  | { t: "closed"; listener: string }
  | { t: "error"; context: string; message: string };
