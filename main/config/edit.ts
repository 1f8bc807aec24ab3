/**
 * Changing one value of a JSON file written by a person, as that person would:
 * the value is replaced where it stands (or the key added after its siblings,
 * in their indentation), and every other byte stays as it was: indentation,
 * key order, spacing, line ends, the trailing newline. `set-pin`, the PIN
 * re-hash and `api-key` change nothing else in the config.
 */

/** A JSON value to set: written on one line where it stands. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

interface Member {
  key: string;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  value: JsonNode;
}
type JsonNode = { kind: 'object'; start: number; end: number; members: Member[] } | { kind: 'other'; start: number; end: number };

/** Where each object member of a valid JSON text is (offsets), for editing in place. */
function parseSpans(text: string): JsonNode {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`not JSON (${what} at ${pos})`);
  };
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const readString = (): string => {
    const start = pos;
    if (text[pos] !== '"') fail('a string expected');
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail('an unterminated string');
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const readValue = (): JsonNode => {
    skipSpace();
    const start = pos;
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const members: Member[] = [];
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', start, end: pos, members };
      }
      for (;;) {
        skipSpace();
        const keyStart = pos;
        const key = readString();
        const keyEnd = pos;
        skipSpace();
        if (text[pos] !== ':') fail('":" expected');
        pos++;
        skipSpace();
        const valueStart = pos;
        const value = readValue();
        members.push({ key, keyStart, keyEnd, valueStart, valueEnd: value.end, value });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', start, end: pos, members };
        }
        fail('"," or "}" expected');
      }
    }
    if (ch === '[') {
      pos++;
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'other', start, end: pos };
      }
      for (;;) {
        readValue();
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'other', start, end: pos };
        }
        fail('"," or "]" expected');
      }
    }
    if (ch === '"') {
      readString();
      return { kind: 'other', start, end: pos };
    }
    const literal = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 64));
    if (!literal) fail('a value expected');
    pos += literal![0].length;
    return { kind: 'other', start, end: pos };
  };
  const root = readValue();
  skipSpace();
  if (pos !== text.length) fail('text after the value');
  return root;
}

/** The whitespace a line starts with, for the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** True when nothing but spaces and tabs stand between the line's start and `offset`. */
const startsItsLine = (text: string, offset: number): boolean => /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset));

interface Style {
  /** One level of indentation: the root members' own, else two spaces. */
  unit: string;
  newline: string;
  /** Between a key and its value, as the file writes it (`: ` unless it says otherwise). */
  colon: string;
}

function styleOf(text: string, root: Extract<JsonNode, { kind: 'object' }>): Style {
  const first = root.members[0];
  const unit = first && startsItsLine(text, first.keyStart) ? lineIndent(text, first.keyStart) || '  ' : '  ';
  const colon = first ? text.slice(first.keyEnd, first.valueStart) : ': ';
  return { unit, newline: text.includes('\r\n') ? '\r\n' : '\n', colon };
}

/** `{ "a": { "b": value } }` for the keys still missing, laid out at `indent` (multi-line) or on one line. */
function render(keys: readonly string[], value: JsonValue, indent: string | null, style: Style): string {
  if (keys.length === 0) {
    if (!Array.isArray(value) || value.length === 0) return JSON.stringify(value);
    // A list: one item a line below its key when the file is laid out in lines, else on one line.
    if (indent === null) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = indent + style.unit;
    return `[${value.map((v) => `${style.newline}${inner}${JSON.stringify(v)}`).join(',')}${style.newline}${indent}]`;
  }
  const [key, ...rest] = keys as [string, ...string[]];
  if (indent === null) return `{ ${JSON.stringify(key)}${style.colon}${render(rest, value, null, style)} }`;
  const inner = indent + style.unit;
  return `{${style.newline}${inner}${JSON.stringify(key)}${style.colon}${render(rest, value, inner, style)}${style.newline}${indent}}`;
}

/**
 * `text` with the value at `keyPath` set to `value`: replaced in place when
 * the key is there (the last one, as JSON.parse reads it), else added as the
 * last member of its object (and any missing objects on the way), laid out
 * like its siblings. Throws when `text` is not a JSON object.
 */
export function setJsonValue(text: string, keyPath: readonly string[], value: JsonValue): string {
  const edited = editInPlace(text, keyPath, value);
  // What JSON.parse reads from the result must be the file's data with that one value set;
  // anything else would be a bug here, and the plain rewrite is right by construction.
  const expected = withValue(JSON.parse(text), keyPath, value);
  if (JSON.stringify(JSON.parse(edited)) === JSON.stringify(expected)) return edited;
  const unit = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return JSON.stringify(expected, null, unit) + (/\n\s*$/.test(text) ? '\n' : '');
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `text` with the string at `keyPath` set to `value` (see setJsonValue). */
export const setJsonString = (text: string, keyPath: readonly string[], value: string): string => setJsonValue(text, keyPath, value);

/** `data` with `value` at `keyPath`, objects made on the way where something else stood. */
function withValue(data: unknown, keyPath: readonly string[], value: JsonValue): unknown {
  if (keyPath.length === 0) return value;
  const [key, ...rest] = keyPath as [string, ...string[]];
  const object = isObject(data) ? data : {};
  return { ...object, [key]: withValue(object[key], rest, value) };
}

function editInPlace(text: string, keyPath: readonly string[], value: JsonValue): string {
  const root = parseSpans(text);
  if (root.kind !== 'object') throw new Error('not a JSON object');
  const style = styleOf(text, root);
  let node: Extract<JsonNode, { kind: 'object' }> = root;
  for (let i = 0; i < keyPath.length; i++) {
    const key = keyPath[i]!;
    const rest = keyPath.slice(i + 1);
    const member = node.members.findLast((m) => m.key === key);
    if (member && (rest.length === 0 || member.value.kind !== 'object')) {
      // The value itself, or something that is not an object where one is needed: replaced.
      const indent = startsItsLine(text, member.keyStart) ? lineIndent(text, member.keyStart) : null;
      return text.slice(0, member.valueStart) + render(rest, value, indent, style) + text.slice(member.valueEnd);
    }
    if (member) {
      node = member.value as Extract<JsonNode, { kind: 'object' }>;
      continue;
    }
    const last = node.members.at(-1);
    if (last) {
      const multiLine = startsItsLine(text, last.keyStart);
      const indent = multiLine ? lineIndent(text, last.keyStart) : null;
      const added = `${JSON.stringify(key)}${style.colon}${render(rest, value, indent, style)}`;
      const gap = multiLine ? `,${style.newline}${indent}` : ', ';
      return text.slice(0, last.valueEnd) + gap + added + text.slice(last.valueEnd);
    }
    // An empty object: its members one level in from the line it opens on, unless it is all on one line.
    const openLineIndent = lineIndent(text, node.start);
    const onOneLine = !text.slice(node.start, node.end).includes('\n') && node !== root;
    if (onOneLine) return `${text.slice(0, node.start)}${render([key, ...rest], value, null, style)}${text.slice(node.end)}`;
    return text.slice(0, node.start) + render([key, ...rest], value, openLineIndent, style) + text.slice(node.end);
  }
  throw new Error('no key path given');
}
