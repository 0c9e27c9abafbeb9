// Failed sign-in attempts in PostgreSQL, so replicas sharing the database count them together: one
// row per client and address (table sign_in_attempts), changed under its row lock, on the
// database's clock. Rows whose window and lockout are both over are removed from time to time.
import pg from "pg";
import { SignInAttempts, SignInRecord } from "./store.js";

/** The database's time in ms (every replica reads the same clock). */
const NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/** Every this many failures counted by a replica, it removes rows idle for longer than this. */
const SWEEP_EVERY = 100;
const IDLE_MS = 24 * 3600_000;

interface Row {
  window_start: string;
  failures: number;
  locked_until: string;
  now: string;
}

export function postgresSignInAttempts(pool: pg.Pool): SignInAttempts {
  let counted = 0;
  return {
    async retryAfter(key) {
      const { rows } = await pool.query<{ left: string }>(
        `SELECT locked_until - ${NOW} AS left FROM sign_in_attempts WHERE key = $1`,
        [key],
      );
      const left = rows.length ? Number(rows[0].left) : 0;
      return left > 0 ? Math.ceil(left / 1000) : 0;
    },
    async failed(key, step) {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await c.query(
          `INSERT INTO sign_in_attempts (key, window_start, failures, locked_until) VALUES ($1, 0, 0, 0)
           ON CONFLICT (key) DO NOTHING`,
          [key],
        );
        // The row lock: a failure through another replica waits for this one, then sees it.
        const { rows } = await c.query<Row>(
          `SELECT window_start, failures, locked_until, ${NOW} AS now FROM sign_in_attempts WHERE key = $1 FOR UPDATE`,
          [key],
        );
        const r = rows[0];
        const had: SignInRecord | undefined =
          Number(r.window_start) === 0 && r.failures === 0 && Number(r.locked_until) === 0
            ? undefined
            : {
                windowStart: Number(r.window_start),
                failures: r.failures,
                lockedUntil: Number(r.locked_until),
              };
        const { next, lockSeconds } = step(had, Number(r.now));
        await c.query(
          "UPDATE sign_in_attempts SET window_start = $2, failures = $3, locked_until = $4 WHERE key = $1",
          [key, next.windowStart, next.failures, next.lockedUntil],
        );
        if (++counted % SWEEP_EVERY === 0)
          await c.query(
            `DELETE FROM sign_in_attempts WHERE locked_until < ${NOW} - $1 AND window_start < ${NOW} - $1`,
            [IDLE_MS],
          );
        await c.query("COMMIT");
        c.release();
        return lockSeconds;
      } catch (e) {
        await c.query("ROLLBACK").then(
          () => c.release(),
          (re: Error) => c.release(re),
        );
        throw e;
      }
    },
    async succeeded(key) {
      await pool.query("DELETE FROM sign_in_attempts WHERE key = $1", [key]);
    },
  };
}
