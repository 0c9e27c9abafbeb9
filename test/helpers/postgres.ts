// PostgreSQL for tests: the admin URL comes from ARCLINK_TEST_POSTGRES_URL (CI sets it); each
// test file creates its own fresh database and drops it at the end. Without the variable the
// PostgreSQL tests fail with instructions: they are never skipped silently.
import pg from "pg";

export const POSTGRES_ENV = "ARCLINK_TEST_POSTGRES_URL";

/** The admin URL, or an error that says how to provide one. */
export function adminUrl(): string {
  const url = process.env[POSTGRES_ENV];
  if (!url) {
    throw new Error(
      `${POSTGRES_ENV} is not set, so the PostgreSQL store cannot be tested. Start PostgreSQL and set it to ` +
        `a URL of a user that may create databases, e.g. ${POSTGRES_ENV}=postgres://postgres:PASSWORD@127.0.0.1:5432/postgres ` +
        `(.ci/run installs and starts PostgreSQL and sets it).`,
    );
  }
  return url;
}

/** The same server and credentials, another database. */
export function databaseUrl(admin: string, db: string): string {
  try {
    const u = new URL(admin);
    u.pathname = `/${db}`;
    return u.toString();
  } catch {
    // postgres://user@/db?host=/socket/dir is not a WHATWG URL: replace the path by hand.
    const m = /^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(admin);
    if (!m) throw new Error(`${POSTGRES_ENV} is not a postgres:// URL: ${admin}`);
    return `${m[1]}/${db}${m[3] ?? ""}`;
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one statement on this database. */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name. */
export async function createDatabase(prefix: string): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `arclink_${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const a = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 10_000 });
  await a.connect();
  try {
    await a.query(`CREATE DATABASE ${name}`);
  } finally {
    await a.end();
  }
  const url = databaseUrl(admin, name);
  return {
    name,
    url,
    async query(text, values) {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await c.connect();
      try {
        return await c.query(text, values);
      } finally {
        await c.end();
      }
    },
    async drop() {
      const d = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 10_000 });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}
