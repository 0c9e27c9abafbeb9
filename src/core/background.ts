// Work a server carries on after it has answered the request that started it (a deployment runs
// after its PUT's 201). The server's stop asks the work to end and waits for it, so no write lands
// in a store that is closing. Each server has a runner identity (host, process, instance) that
// long work records, so a server starting on the same store can tell work nobody runs any more.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

export interface Runner {
  host: string;
  pid: number;
  instance: string;
}

/** The instances running in this process. */
const live = new Set<string>();

/**
 * Is work recorded by `runner` certainly not running any more? True when it ran in this process
 * under an instance that has stopped, or on this host in a process that has exited; false when it
 * may still run (another host: ArcLink cannot know, and says so where it matters).
 */
export function runnerGone(runner: Runner | undefined): boolean {
  if (!runner || typeof runner !== "object") return true;
  if (runner.host !== hostname()) return false;
  if (runner.pid === process.pid) return !live.has(runner.instance);
  try {
    process.kill(runner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export class BackgroundWork {
  private readonly tasks = new Set<Promise<void>>();
  private stopped = false;
  readonly runner: Runner = { host: hostname(), pid: process.pid, instance: randomUUID() };

  constructor(private readonly log: (line: string) => void = () => undefined) {
    live.add(this.runner.instance);
  }

  /** True once the server is stopping: long work stops at its next step. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Runs `task` without waiting for it; a fault is logged (the task records its own outcome). */
  start(what: string, task: () => Promise<void>): void {
    const p: Promise<void> = Promise.resolve()
      .then(task)
      .catch((e) => this.log(`${what}: ${(e as Error)?.stack ?? String(e)}`))
      .finally(() => this.tasks.delete(p));
    this.tasks.add(p);
  }

  /** Asks the work to stop and waits until all of it has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
    live.delete(this.runner.instance);
  }
}
