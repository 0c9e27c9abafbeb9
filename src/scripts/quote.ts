// Quoting a value into script text so the shell hands the program exactly that value, whatever
// it holds: quotes, $(…), backticks, backslashes, PowerShell's typographic quotes.

/** A bash word for `value`: "…" when nothing in it is special inside double quotes, else '…'. */
export function bashQuote(value: string): string {
  if (value.includes("\0")) throw new Error("A NUL character cannot be passed to a program.");
  if (!/[$`\\"!]/.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// PowerShell reads “ ” „ as double quotes inside "…" strings: escape them with the rest.
const PS_SPECIAL = /[`$"\u201c\u201d\u201e]/g;

/** A PowerShell expandable string for `value`, with every special character backtick-escaped. */
export function psQuote(value: string): string {
  if (value.includes("\0")) throw new Error("A NUL character cannot be passed to a program.");
  return `"${value.replace(PS_SPECIAL, (c) => "`" + c)}"`;
}
