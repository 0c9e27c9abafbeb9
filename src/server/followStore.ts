// Keeps this replica's World following a store other processes write to (PostgreSQL replicas):
// a catch-up on every change notification, and a poll as the safety net for notifications lost
// while the listener reconnects. Catch-ups never overlap; a request that arrives during one runs
// one more right after it, so nothing announced is missed and a burst costs two queries.
import { Store } from "../store/store.js";
import { Writer } from "../world/writer.js";

export interface Following {
  /** Runs a catch-up now (or right after the one in progress). */
  kick(): void;
  /** Stops polling and waits for the catch-up in progress. */
  stop(): Promise<void>;
}

export function followStore(
  store: Store,
  writer: Writer,
  opts: { pollMs?: number; log?: (line: string) => void } = {},
): Following {
  const log = opts.log ?? (() => undefined);
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failing = false;
  const kick = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await writer.catchUp();
          if (failing) log(`store: catching up again`);
          failing = false;
        } catch (e) {
          // Reported once per outage; the next notification or poll tries again.
          if (!failing) log(`store: cannot catch up with other replicas: ${(e as Error).message}`);
          failing = true;
        }
      } while (again && !stopped);
      running = undefined;
    })();
  };
  store.onRemoteChange?.(kick);
  const timer = setInterval(kick, opts.pollMs ?? 500);
  timer.unref();
  return {
    kick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
