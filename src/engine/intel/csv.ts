/**
 * One RFC 4180 record per line (the feeds we read never put newlines inside
 * fields); spaces before a quoted field are allowed, as MalwareBazaar writes
 * `"a", "b"`. `null` for a line whose quoting is broken, so a caller can skip
 * it rather than load it half-parsed.
 */
export function parseCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    const quote = line.slice(at).search(/[^ ]/) + at;
    const field = line.charAt(quote) === '"' ? readQuoted(line, quote) : readBare(line, at);
    if (field === null) return null;
    fields.push(field.value);
    if (field.end >= line.length) return fields;
    if (line.charAt(field.end) !== ',') return null;
    at = field.end + 1;
  }
}

interface Field {
  value: string;
  /** Index just past the field. */
  end: number;
}

function readBare(line: string, start: number): Field | null {
  const comma = line.indexOf(',', start);
  const end = comma < 0 ? line.length : comma;
  const value = line.slice(start, end);
  return value.includes('"') ? null : { value, end };
}

function readQuoted(line: string, start: number): Field | null {
  let value = '';
  for (let at = start + 1; at < line.length; at++) {
    const quote = line.indexOf('"', at);
    if (quote < 0) return null;
    value += line.slice(at, quote);
    if (line.charAt(quote + 1) !== '"') return { value, end: quote + 1 };
    value += '"';
    at = quote + 1;
  }
  return null;
}
