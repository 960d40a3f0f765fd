/**
 * JSON text ↔ values for records, exact where `JSON.parse` / `JSON.stringify` are not:
 *
 * - `parseJson(text)`: `JSON.parse` (same values, same errors), except that an integer written
 *   without fraction or exponent whose value is not a safe integer (beyond ±(2^53−1)) is a
 *   `bigint` holding every digit, not a rounded double. A STRING column then keeps the digits
 *   as written, and BIGINT reports the value as out of range instead of reading a neighbour.
 *   Lines without a run of 16 digits (the shortest unsafe integer) take `JSON.parse` alone.
 * - `stringifyJson(value)`: `JSON.stringify` of a parsed value (compact, keys in order), but
 *   iterative (a value nested 100,000 deep does not overflow the stack) and writing `bigint`s as
 *   their digits.
 *
 * Both walk with an explicit stack, never recursion.
 */

const LONG_DIGITS = /\d{16}/;

/** `JSON.parse(text)`, with integers beyond the safe range as exact `bigint`s. */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return LONG_DIGITS.test(text) ? parseValid(text) : value;
}

/** A container being filled: the value, and for objects the key of the member being read. */
interface Frame {
  readonly value: Record<string, unknown> | unknown[];
  key: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** Parses text already known to be valid JSON (so only the value building is done here). */
function parseValid(s: string): unknown {
  const stack: Frame[] = [];
  let i = 0;
  let result: unknown;
  const put = (v: unknown): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) result = v;
    else if (Array.isArray(top.value)) top.value.push(v);
    else setMember(top.value, top.key, v);
  };
  for (;;) {
    i = skipWs(s, i);
    const c = s.charCodeAt(i);
    let v: unknown;
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const frame: Frame = { value: c === 123 ? {} : [], key: '' };
      put(frame.value);
      stack.push(frame);
      i = skipWs(s, i + 1);
      const close = s.charCodeAt(i);
      if (close === 125 || close === 93) {
        stack.pop();
        i++;
      } else {
        if (c === 123) i = readKey(s, i, frame);
        continue;
      }
    } else {
      if (c === 34 /* " */) {
        const end = stringEnd(s, i);
        const raw = s.slice(i, end + 1);
        v = raw.includes('\\') ? JSON.parse(raw) : raw.slice(1, -1);
        i = end + 1;
      } else if (c === 116) {
        v = true;
        i += 4;
      } else if (c === 102) {
        v = false;
        i += 5;
      } else if (c === 110) {
        v = null;
        i += 4;
      } else {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(s)!;
        const n = Number(m[0]);
        v = m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
        i = NUMBER.lastIndex;
      }
      put(v);
    }
    // after a value: close containers, or move to the next member / element
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return result;
      i = skipWs(s, i);
      const d = s.charCodeAt(i);
      if (d === 44 /* , */) {
        i = skipWs(s, i + 1);
        if (!Array.isArray(top.value)) i = readKey(s, i, top);
        break;
      }
      stack.pop(); // } or ]
      i++;
    }
  }
}

/** Reads `"key" :` at `i` into the frame; returns the index of the member's value. */
function readKey(s: string, i: number, frame: Frame): number {
  const end = stringEnd(s, i);
  const raw = s.slice(i, end + 1);
  frame.key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  return skipWs(s, skipWs(s, end + 1) + 1);
}

/** Sets an own data property, as `JSON.parse` does (also for a key named `__proto__`). */
function setMember(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
  else o[key] = v;
}

/** `i` at the opening quote of a valid string: the index of its closing quote. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; ;) {
    const q = s.indexOf('"', j);
    let k = q - 1;
    while (s.charCodeAt(k) === 92) k--;
    if ((q - 1 - k) % 2 === 0) return q; // an even number of backslashes: not escaped
    j = q + 1;
  }
}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/**
 * `JSON.stringify(value)` for parsed JSON values (objects, arrays, strings, numbers, booleans,
 * null) plus `bigint` (its digits); iterative, so any nesting depth works.
 */
export function stringifyJson(value: unknown): string {
  let out = '';
  // Work items: a value to write, or a literal piece of text (closing brackets, commas, keys).
  const work: (unknown | Text)[] = [value];
  while (work.length > 0) {
    const v = work.pop();
    if (v instanceof Text) {
      out += v.text;
      continue;
    }
    if (typeof v === 'bigint') {
      out += v.toString();
    } else if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
    } else if (Array.isArray(v)) {
      out += '[';
      work.push(CLOSE_ARRAY);
      for (let k = v.length - 1; k >= 0; k--) {
        work.push(v[k] === undefined ? null : v[k]);
        if (k > 0) work.push(COMMA);
      }
    } else {
      out += '{';
      work.push(CLOSE_OBJECT);
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).filter((k) => o[k] !== undefined);
      for (let k = keys.length - 1; k >= 0; k--) {
        work.push(o[keys[k]!]);
        work.push(new Text(`${k > 0 ? ',' : ''}${JSON.stringify(keys[k])}:`));
      }
    }
  }
  return out;
}

class Text {
  constructor(readonly text: string) {}
}

const COMMA = new Text(',');
const CLOSE_ARRAY = new Text(']');
const CLOSE_OBJECT = new Text('}');
