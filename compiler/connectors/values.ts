/**
 * Checks one option value against its declared type and returns it normalised (canonical enum
 * spelling, `true`/`false`, durations as `10 s`, lists joined with `;`), or the reason it is
 * invalid plus an optional fix.
 */
import {
  OptionValueError,
  formatDuration,
  parseBoolean,
  parseChar,
  parseDuration,
  parseEnum,
  parseHostPortList,
  parseInteger,
  parseList,
  parseNumber,
  parsePath,
  parseSize,
} from '../../runtime/options.ts';
import { suggest } from '../../grammar/suggest.ts';
import type { ValueType } from '../../runtime/connectors/spec.ts';

export type ValueCheck =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string; readonly help: string | null };

export function checkValue(type: ValueType, raw: string): ValueCheck {
  try {
    return { ok: true, value: normalise(type, raw) };
  } catch (e) {
    if (!(e instanceof OptionValueError)) throw e;
    // Range errors ("must not be negative") need no example of the syntax.
    const help = e.message.startsWith('must') ? null : helpFor(type, raw);
    return { ok: false, reason: e.message, help };
  }
}

function normalise(type: ValueType, raw: string): string {
  switch (type.kind) {
    case 'string':
      if (raw.trim() === '') throw new OptionValueError('is empty');
      return raw;
    case 'path':
      return parsePath(raw);
    case 'integer':
      return String(parseInteger(raw, type.min, type.max));
    case 'number':
      return String(parseNumber(raw, type.min, type.max));
    case 'duration': {
      const ms = parseDuration(raw);
      if (type.positive && ms === 0) throw new OptionValueError('must be greater than 0');
      return formatDuration(ms);
    }
    case 'size':
      parseSize(raw);
      return raw.trim();
    case 'boolean':
      return String(parseBoolean(raw));
    case 'enum':
      return parseEnum(raw, type.values);
    case 'list':
    case 'columns': {
      const items = parseList(raw);
      if (items.length === 0) throw new OptionValueError('is empty');
      return items.join(';');
    }
    case 'host-ports':
      return parseHostPortList(raw)
        .map((h) => `${h.host}:${h.port}`)
        .join(',');
    case 'char':
      return parseChar(raw);
    case 'regex':
      try {
        new RegExp(raw);
      } catch (e) {
        throw new OptionValueError(`is not a valid regular expression (${(e as Error).message})`);
      }
      return raw;
  }
}

function helpFor(type: ValueType, raw: string): string | null {
  switch (type.kind) {
    case 'enum': {
      const s = suggest(raw.trim(), type.values);
      return s ? `did you mean '${s}'?` : null;
    }
    case 'boolean': {
      const s = suggest(raw.trim(), ['true', 'false']);
      return s ? `did you mean '${s}'?` : null;
    }
    case 'duration':
      return "write a number and a unit, e.g. '500 ms', '10 s', '1 min' or '1 h'";
    case 'size':
      return "write a number and a unit, e.g. '512 kb' or '64 mb'";
    case 'host-ports':
      return "write host:port pairs separated by commas, e.g. 'localhost:9092'";
    case 'char':
      return "write one character, or '\\t' for a tab";
    default:
      return null;
  }
}

/** How a type reads in docs and help: `duration`, `'a' | 'b'`, `integer >= 1`. */
export function describeType(type: ValueType): string {
  switch (type.kind) {
    case 'enum':
      return type.values.map((v) => `'${v}'`).join(' | ');
    case 'integer':
    case 'number': {
      const parts: string[] = [type.kind];
      if (type.min !== undefined) parts.push(`>= ${type.min}`);
      if (type.max !== undefined) parts.push(`<= ${type.max}`);
      return parts.join(' ');
    }
    case 'columns':
      return 'column list';
    case 'host-ports':
      return 'host:port list';
    case 'char':
      return 'character';
    default:
      return type.kind;
  }
}
