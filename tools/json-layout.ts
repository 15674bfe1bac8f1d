/**
 * Rewrites a hand-formatted JSON file without reformatting it: the manifest keeps small objects and arrays on one
 * line (`{ "path": "vocab.json" }`, `["q8", "fp32"]`) and larger ones spread over lines, which neither
 * `JSON.stringify(v, null, 2)` nor Prettier reproduces. `readLayout` notes, per object and array, whether it was
 * written on one line; `formatLike` prints a changed value with the same choices (2-space indent, key order as in the
 * value), so a tool's edit shows up in a diff as the lines it changed and nothing else.
 */

/** Whether a container was on one line, and the layout of its members (by key, or by index for arrays). */
export interface Layout {
  readonly inline: boolean;
  readonly children: ReadonlyMap<string, Layout>;
}

const STRING = /"(?:[^"\\]|\\.)*"/y;
const SCALAR = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/**
 * The layout of a JSON text.
 * @throws Error naming the offset where the text stops being JSON.
 */
export function readLayout(text: string): Layout | null {
  let at = 0;
  const skip = (): void => {
    while (at < text.length && ' \t\r\n'.includes(text.charAt(at))) at++;
  };
  const fail = (): never => {
    throw new Error(`not JSON at offset ${String(at)}`);
  };
  const token = (re: RegExp): string => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return fail();
    at = re.lastIndex;
    return m[0];
  };
  const expect = (ch: string): void => {
    skip();
    if (text.charAt(at) !== ch) fail();
    at++;
  };
  const value = (): Layout | null => {
    skip();
    const ch = text.charAt(at);
    if (ch === '"') {
      token(STRING);
      return null;
    }
    if (ch !== '{' && ch !== '[') {
      token(SCALAR);
      return null;
    }
    const start = at++;
    const close = ch === '{' ? '}' : ']';
    const children = new Map<string, Layout>();
    skip();
    for (let i = 0; text.charAt(at) !== close; i++) {
      if (i > 0) expect(',');
      let key = String(i);
      if (ch === '{') {
        skip();
        key = JSON.parse(token(STRING)) as string;
        expect(':');
      }
      const child = value();
      if (child !== null) children.set(key, child);
      skip();
    }
    at++;
    return { inline: !text.slice(start, at).includes('\n'), children };
  };
  const root = value();
  skip();
  if (at !== text.length) fail();
  return root;
}

/**
 * `value` as JSON laid out like `layout` (from `readLayout` of the file it came from). A container the layout does
 * not know is written on one line inside a one-line parent, else over lines.
 */
export function formatLike(
  value: unknown,
  layout: Layout | null | undefined,
  indent = '',
  parentInline = false,
): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inline = layout?.inline ?? parentInline;
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value).filter(([, v]) => v !== undefined);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return `${open}${close}`;
  const inner = `${indent}  `;
  const parts = entries.map(([k, v]) => {
    const printed = formatLike(v, layout?.children.get(k), inline ? indent : inner, inline);
    return isArray ? printed : `${JSON.stringify(k)}: ${printed}`;
  });
  if (inline) return isArray ? `[${parts.join(', ')}]` : `{ ${parts.join(', ')} }`;
  return `${open}\n${parts.map((p) => inner + p).join(',\n')}\n${indent}${close}`;
}
