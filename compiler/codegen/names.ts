/**
 * Identifiers for generated code. SQL names are case-sensitive and may be anything when quoted
 * (`"order id"`, `` `timestamp` ``), so generated identifiers are derived, de-duplicated and kept
 * readable: `order_time` stays `order_time`, `order id` becomes `order_id`, a reserved word gets
 * a trailing underscore.
 */

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await async of arguments eval ' +
    'undefined NaN Infinity any boolean number string symbol never unknown object type declare namespace module ' +
    'readonly keyof infer is asserts abstract constructor get set require global Object Array Math Number String ' +
    'Boolean Date JSON Map Set Error RegExp Symbol Promise'
  ).split(' '),
);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `name` can be written as a bare property name (`row.name` instead of `row["name"]`). */
export function isPlainProperty(name: string): boolean {
  return IDENT.test(name);
}

/** `row.name` or `row["odd name"]`. */
export function propertyAccess(object: string, name: string): string {
  return isPlainProperty(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

/** A property key in an object literal or interface: `name` or `"odd name"`. */
export function propertyKey(name: string): string {
  return isPlainProperty(name) ? name : JSON.stringify(name);
}

/** A valid, non-reserved identifier close to `name` (`"order id"` → `order_id`). */
export function toIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]+/g, '_');
  if (id === '' || id === '_') id = 'value';
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** `order_items` → `OrderItems` (for type and class names). */
export function toPascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const id = joined === '' ? 'Value' : joined;
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** `order_items` → `orderItems` (for function names). */
export function toCamelCase(name: string): string {
  const pascal = toPascalCase(name);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** `order_items` → `ORDER_ITEMS` (for module constants). */
export function toConstantCase(name: string): string {
  const id = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return id === '' ? 'VALUE' : /^[0-9]/.test(id) ? `_${id}` : id;
}

/**
 * Hands out unique identifiers within one scope: the first request for `x` gets `x`, the next
 * `x2`, and so on. Names reserved up front (imports, parameters) are never handed out.
 */
export class NameScope {
  private readonly used = new Set<string>();

  constructor(
    reserved: Iterable<string> = [],
    private readonly parent: NameScope | null = null,
  ) {
    for (const r of reserved) this.used.add(r);
  }

  private taken(name: string): boolean {
    return this.used.has(name) || (this.parent?.taken(name) ?? false);
  }

  /** Reserves and returns a fresh identifier based on `base` (sanitised). */
  fresh(base: string): string {
    const id = toIdentifier(base);
    if (!this.taken(id)) {
      this.used.add(id);
      return id;
    }
    for (let i = 2; ; i++) {
      const candidate = `${id}${i}`;
      if (!this.taken(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }

  /** Marks `name` as used (e.g. an import). */
  reserve(name: string): void {
    this.used.add(name);
  }

  child(reserved: Iterable<string> = []): NameScope {
    return new NameScope(reserved, this);
  }
}
