// Date functions: dateTimeAdd (ISO 8601 durations), dateTimeFromEpoch, dateTimeToEpoch. utcNow is
// with the deployment functions.
import { TemplateError } from "../context.js";
import { arity, int, str, TemplateFunction } from "./args.js";

const DURATION =
  /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function date(name: string, v: unknown): Date {
  const d = new Date(str(name, v));
  if (Number.isNaN(d.getTime()))
    throw new TemplateError(
      `The template function '${name}' expects a date and time in ISO 8601 form such as '2020-04-07T14:53:14Z'; got '${String(v)}'.`,
    );
  return d;
}

/** Formats as Azure does for the default format: seconds precision, 'Z'. */
function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}

export const dateFunctions: Record<string, TemplateFunction> = {
  datetimeadd: (_c, a, n) => {
    arity(n, a, 2, 3);
    const d = date(n, a[0]);
    const m = DURATION.exec(str(n, a[1]));
    if (!m || str(n, a[1]).replace(/^-/, "") === "P" || /T$/.test(str(n, a[1])))
      throw new TemplateError(
        `The template function 'dateTimeAdd' expects an ISO 8601 duration such as 'P1D' or 'PT1H30M'; got '${String(a[1])}'.`,
      );
    const sign = m[1] ? -1 : 1;
    const [y, mo, w, dd, h, mi, s] = m.slice(2).map((x) => Number(x ?? 0));
    const out = new Date(d.getTime());
    out.setUTCFullYear(out.getUTCFullYear() + sign * y, out.getUTCMonth() + sign * mo);
    out.setTime(out.getTime() + sign * ((w * 7 + dd) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000));
    if (a.length > 2) {
      const f = str(n, a[2]);
      if (f === "u")
        return out
          .toISOString()
          .replace("T", " ")
          .replace(/\.\d+Z$/, "Z");
      if (f === "d") return out.toISOString().slice(0, 10);
      if (f === "yyyyMMddTHHmmssZ") return iso(out).replace(/[-:]/g, "");
    }
    return iso(out);
  },
  datetimefromepoch: (_c, a, n) => (arity(n, a, 1), iso(new Date(int(n, a[0]) * 1000))),
  datetimetoepoch: (_c, a, n) => (arity(n, a, 1), Math.floor(date(n, a[0]).getTime() / 1000)),
};
