/**
 * JSON helpers for generated code: `JSON_VALUE`, and the pieces the generated record decoders
 * and encoders share (value coercion with clear errors, string quoting).
 */

/** One step of a JSON path: an object member or an array index. */
export type PathStep = { readonly key: string } | { readonly index: number };

/**
 * Compiles a JSON path in the lax SQL/JSON subset Flink accepts for JSON_VALUE: `$`, `.name`,
 * `."quoted name"`, `['name']`, `["name"]` and `[index]` (0-based). Throws on anything else.
 */
export function compileJsonPath(path: string): readonly PathStep[] {
  let p = path.trim();
  if (p.startsWith('lax ')) p = p.slice(4).trim();
  else if (p.startsWith('strict ')) p = p.slice(7).trim();
  if (!p.startsWith('$')) throw new Error(`JSON path "${path}" must start with "$"`);
  const steps: PathStep[] = [];
  let i = 1;
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      if (p[i + 1] === '"') {
        const end = p.indexOf('"', i + 2);
        if (end < 0) throw new Error(`JSON path "${path}": unterminated quoted name`);
        steps.push({ key: p.slice(i + 2, end) });
        i = end + 1;
      } else {
        const m = /^[A-Za-z_$][\w$]*/.exec(p.slice(i + 1));
        if (!m) throw new Error(`JSON path "${path}": expected a member name after "." at ${i + 1}`);
        steps.push({ key: m[0] });
        i += 1 + m[0].length;
      }
    } else if (c === '[') {
      const rest = p.slice(i);
      const m = /^\[\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (!m) throw new Error(`JSON path "${path}": expected [index] or ['name'] at ${i}`);
      if (m[1] !== undefined) steps.push({ index: Number(m[1]) });
      else steps.push({ key: (m[2] ?? m[3])!.replace(/\\(.)/g, '$1') });
      i += m[0].length;
    } else {
      throw new Error(`JSON path "${path}": unexpected "${c}" at ${i}`);
    }
  }
  return steps;
}

/** Follows `steps` into a parsed JSON value; undefined when a step does not exist. */
export function jsonPathGet(value: unknown, steps: readonly PathStep[]): unknown {
  let v = value;
  for (const s of steps) {
    if (v === null || typeof v !== 'object') return undefined;
    if ('index' in s) {
      if (!Array.isArray(v)) return undefined;
      v = v[s.index];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, s.key)) return undefined;
      v = (v as Record<string, unknown>)[s.key];
    }
  }
  return v;
}

// JSON_VALUE often reads several paths of the same document in one row: keep the last parse.
let lastText: string | null = null;
let lastValue: unknown = undefined;
let lastFailed = false;

function parseCached(text: string): { ok: boolean; value: unknown } {
  if (text !== lastText) {
    lastText = text;
    try {
      lastValue = JSON.parse(text);
      lastFailed = false;
    } catch {
      lastValue = undefined;
      lastFailed = true;
    }
  }
  return { ok: !lastFailed, value: lastValue };
}

/**
 * `JSON_VALUE(text, path)`: the scalar at `path` as a STRING (numbers and booleans in their JSON
 * spelling); NULL when the text is not JSON, the path does not exist, or the value is JSON null,
 * an object or an array (Flink's default `NULL ON EMPTY` / `NULL ON ERROR`).
 */
export function jsonValue(text: string, steps: readonly PathStep[]): string | null {
  const { ok, value } = parseCached(text);
  if (!ok) return null;
  const v = jsonPathGet(value, steps);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

const pathCache = new Map<string, readonly PathStep[]>();

/** JSON_VALUE with a path that is not a literal (literal paths are compiled once). */
export function jsonValueDynamic(text: string, path: string): string | null {
  let steps = pathCache.get(path);
  if (!steps) {
    if (pathCache.size > 1000) pathCache.clear();
    try {
      steps = compileJsonPath(path);
    } catch {
      return null;
    }
    pathCache.set(path, steps);
  }
  return jsonValue(text, steps);
}
