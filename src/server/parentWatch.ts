// ARCLINK_EXIT_WITH_PARENT=1: the server stops, as on SIGTERM, once the process that started it
// is gone. A script or test runner that is killed outright (SIGKILL, a closed terminal) cannot
// stop what it started; without this its `arclink serve` would run on, holding its port and data
// folder. Linux and macOS give an orphan a new parent, so a changed parent id is the sign.

const EVERY_MS = 1000;

/**
 * Watches the parent process when `env.ARCLINK_EXIT_WITH_PARENT` is "1"; calls `gone` once when
 * the parent changes. Returns the function that stops watching (a no-op when not watching).
 */
export function exitWithParent(
  env: NodeJS.ProcessEnv = process.env,
  gone: () => void = () => process.kill(process.pid, "SIGTERM"),
): () => void {
  if (env.ARCLINK_EXIT_WITH_PARENT !== "1") return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    gone();
  }, EVERY_MS);
  // Never what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
