/**
 * CSV (RFC 4180) for the tidy tables beside every experiment's JSON: a header row, then one line
 * per row; fields with a comma, quote or line break are quoted, quotes doubled; null, undefined
 * and NaN are empty fields, so pandas and R read them as missing.
 *
 * @example
 * toCsv([{ run: "a", value: 0.5 }, { run: "b,c", value: null }]);
 * // "run,value\na,0.5\n\"b,c\",\n"
 */
export type CsvValue = string | number | boolean | null | undefined;
export type CsvRow = Record<string, CsvValue>;

/** The columns: `columns` when given, else every key in order of first appearance. */
export function toCsv(rows: CsvRow[], columns: string[] = columnsOf(rows)): string {
  const lines = [columns.map(csvField), ...rows.map((row) => columns.map((c) => csvField(row[c])))];
  return lines.map((fields) => fields.join(",")).join("\n") + "\n";
}

export function columnsOf(rows: CsvRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "" : String(value);
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Parses what {@link toCsv} writes (quoted fields included) back into rows of strings. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = "", record: string[] = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') [field, i] = [field + '"', i + 1];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") [record, field] = [[...record, field], ""];
    else if (c === "\n") [records[records.length], record, field] = [[...record, field], [], ""];
    else if (c !== "\r") field += c;
  }
  if (field || record.length) records.push([...record, field]);
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ""])));
}
