/**
 * A structural pre-scan of MessagePack bytes, run before msgpackr decodes
 * them. msgpackr recurses per nesting level and has no depth limit, renames
 * `__proto__` keys silently, and understands extension types (records,
 * structured clone, RegExp, Error) that have no business arriving from the
 * network. This scan walks the value iteratively, reading headers only, and
 * refuses all of that with a reason, in one linear pass.
 * Format: https://github.com/msgpack/msgpack/blob/master/spec.md
 */

/** The one extension type accepted: -1, the spec's timestamp (decoded as a `Date`). */
const TIMESTAMP_EXTENSION = 0xff;
const PROTO = [...'__proto__'].map((char) => char.charCodeAt(0));
const CONSTRUCTOR = [...'constructor'].map((char) => char.charCodeAt(0));
const PROTOTYPE = [...'prototype'].map((char) => char.charCodeAt(0));

/** Why a MessagePack payload is refused. */
export type MessagePackProblem = { readonly reason: 'depth' } | { readonly reason: 'invalid'; readonly message: string };

/** An open array or map: how many items it still holds, and what it guards. */
interface Frame {
  left: number;
  readonly map: boolean;
  /** This map is the value of a `constructor` key: a `prototype` key in it is refused. */
  readonly constructorValue: boolean;
  /** The key just read in this map was `constructor`. */
  lastKeyWasConstructor: boolean;
}

/**
 * Checks that `bytes` hold exactly one well-formed MessagePack value, nested
 * at most `maxDepth` deep, with no `__proto__` or `constructor.prototype`
 * key, only scalar map keys, and no extension but timestamps. Returns the
 * problem, or `undefined` when the bytes are safe to decode.
 */
export function scanMessagePack(bytes: Uint8Array, maxDepth: number): MessagePackProblem | undefined {
  const end = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let position = 0;
  const invalid = (message: string): MessagePackProblem => ({ reason: 'invalid', message: `${message} at byte ${position}` });

  for (;;) {
    if (position >= end) return invalid('Unexpected end of data');
    const frame = frames.at(-1);
    const isKey = frame?.map === true && frame.left % 2 === 0;
    const token = bytes[position++] as number;
    /** Items of a container starting here (maps count keys and values). */
    let items = -1;
    let map = false;
    /** Bytes of payload after the header (strings, binaries, numbers, extensions). */
    let length = 0;
    let kind: Header['kind'] = 'number';
    let extension = -1;

    if (token <= 0x7f || token >= 0xe0 || token === 0xc0 || token === 0xc2 || token === 0xc3) {
      // positive / negative fixint, nil, false, true
    } else if (token >= 0xa0 && token <= 0xbf) {
      length = token & 0x1f;
      kind = 'string';
    } else if (token >= 0x90 && token <= 0x9f) {
      items = token & 0x0f;
      kind = 'array';
    } else if (token >= 0x80 && token <= 0x8f) {
      items = (token & 0x0f) * 2;
      map = true;
      kind = 'map';
    } else {
      const header = HEADERS[token];
      if (header === undefined) return invalid(`Byte 0x${token.toString(16)} is not a MessagePack type`);
      if (position + header.lengthBytes > end) return invalid('Unexpected end of data');
      const count = header.lengthBytes === 0 ? header.fixed : readLength(view, position, header.lengthBytes);
      position += header.lengthBytes;
      kind = header.kind;
      if (kind === 'array') items = count;
      else if (kind === 'map') {
        items = count * 2;
        map = true;
      } else {
        length = count;
        if (kind === 'extension') {
          if (position >= end) return invalid('Unexpected end of data');
          extension = bytes[position++] as number;
        }
      }
    }

    if (extension !== -1 && (extension !== TIMESTAMP_EXTENSION || (length !== 4 && length !== 8 && length !== 12))) {
      return invalid(`Extension type ${(extension << 24) >> 24} is not accepted (only -1, timestamps)`);
    }
    if (isKey) {
      if (kind !== 'string' && kind !== 'number') return invalid('Map keys must be strings, numbers, booleans or nil');
      const isString = kind === 'string';
      if (
        isString &&
        (matches(bytes, position, length, PROTO) || (frame.constructorValue && matches(bytes, position, length, PROTOTYPE)))
      ) {
        return invalid('Forbidden key (prototype poisoning)');
      }
      frame.lastKeyWasConstructor = isString && matches(bytes, position, length, CONSTRUCTOR);
    }

    if (items > 0) {
      // Every item takes at least one byte: a count larger than what is left is truncated data.
      if (items > end - position) return invalid('Unexpected end of data');
      if (frames.length >= maxDepth) return { reason: 'depth' };
      const constructorValue = map && frame?.map === true && !isKey && frame.lastKeyWasConstructor;
      frames.push({ left: items, map, constructorValue, lastKeyWasConstructor: false });
      continue;
    }
    if (items === 0 && frames.length >= maxDepth) return { reason: 'depth' };
    if (length > end - position) return invalid('Unexpected end of data');
    position += length;

    // One item is complete: close every container it completes.
    let top = frames.at(-1);
    while (top !== undefined && --top.left === 0) {
      frames.pop();
      top = frames.at(-1);
    }
    if (top === undefined) {
      return position === end ? undefined : invalid('Trailing bytes after the value');
    }
  }
}

interface Header {
  readonly kind: 'string' | 'binary' | 'extension' | 'array' | 'map' | 'number';
  /** How many bytes hold the length (0: the length is `fixed`). */
  readonly lengthBytes: 0 | 1 | 2 | 4;
  readonly fixed: number;
}

const header = (kind: Header['kind'], lengthBytes: Header['lengthBytes'], fixed = 0): Header => ({ kind, lengthBytes, fixed });

/** Every type byte that is not a fix-type, by byte. 0xc1 is never used. */
const HEADERS: Readonly<Record<number, Header>> = {
  196: header('binary', 1),
  197: header('binary', 2),
  198: header('binary', 4),
  199: header('extension', 1),
  200: header('extension', 2),
  201: header('extension', 4),
  202: header('number', 0, 4),
  203: header('number', 0, 8),
  204: header('number', 0, 1),
  205: header('number', 0, 2),
  206: header('number', 0, 4),
  207: header('number', 0, 8),
  208: header('number', 0, 1),
  209: header('number', 0, 2),
  210: header('number', 0, 4),
  211: header('number', 0, 8),
  212: header('extension', 0, 1),
  213: header('extension', 0, 2),
  214: header('extension', 0, 4),
  215: header('extension', 0, 8),
  216: header('extension', 0, 16),
  217: header('string', 1),
  218: header('string', 2),
  219: header('string', 4),
  220: header('array', 2),
  221: header('array', 4),
  222: header('map', 2),
  223: header('map', 4),
};

function readLength(view: DataView, position: number, lengthBytes: 1 | 2 | 4): number {
  if (lengthBytes === 1) return view.getUint8(position);
  if (lengthBytes === 2) return view.getUint16(position);
  return view.getUint32(position);
}

function matches(bytes: Uint8Array, start: number, length: number, expected: readonly number[]): boolean {
  if (length !== expected.length || start + length > bytes.length) return false;
  for (let i = 0; i < length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}
