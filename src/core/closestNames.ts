// Names close to a misspelt one ("did you mean"), by edit distance: a bounded answer whatever the
// number of candidates (a fleet has thousands of hosts).

/** Levenshtein distance: insertions, deletions and substitutions, each costing one. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * At most `n` of `names` closest to `spec` (case-insensitive; a name containing it, or contained in
 * it, counts as closer), nearest first then by name; ties beyond `n` are left out. Only the first
 * 64 characters of `spec` are compared, so the cost stays bounded by the number of names.
 */
export function closestNames(spec: string, names: Iterable<string>, n: number): string[] {
  const q = spec.toLowerCase().slice(0, 64);
  const scored: Array<{ name: string; d: number }> = [];
  for (const name of names) {
    const l = name.toLowerCase();
    const d =
      l.includes(q) || q.includes(l) ? Math.abs(l.length - q.length) / 100 : editDistance(q, l.slice(0, 64));
    scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  return scored.slice(0, Math.max(0, n)).map((x) => x.name);
}
