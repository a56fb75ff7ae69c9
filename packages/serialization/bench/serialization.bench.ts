// What the safety checks cost: the codecs against the bare parsers they wrap,
// in one run on one machine. Run with `pnpm bench` (measures the built package).

import { createBenchReport } from '@bus/scripts/bench';
import { Packr, Unpackr } from 'msgpackr';
import { jsonCodec, msgpackCodec } from '../dist/index.js';

const { compare, print } = createBenchReport('@bus/serialization');
let sink = 0;

/** A typical event payload: an order with a dozen lines (~1.3 KB of JSON). */
const order = {
  id: 'o-12345',
  customer: { id: 'c-9', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold' },
  lines: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, qty: i + 1, price: 9.95 + i, tags: ['a', 'b'] })),
  total: 1234.5,
  paid: true,
  note: null,
};

const json = jsonCodec();
const jsonBytes = json.encode(order);
const decoder = new TextDecoder();
await compare(`JSON decode ${jsonBytes.byteLength} B`, 'TextDecoder + JSON.parse', {
  'TextDecoder + JSON.parse': () => {
    sink += (JSON.parse(decoder.decode(jsonBytes)) as { total: number }).total;
  },
  'jsonCodec().decode (size, depth scan, strict UTF-8, secure-json-parse)': () => {
    sink += (json.decode(jsonBytes) as { total: number }).total;
  },
});

const msgpack = msgpackCodec();
const msgpackBytes = msgpack.encode(order);
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const packr = new Packr({ useRecords: false });
await compare(`MessagePack decode ${msgpackBytes.byteLength} B`, 'msgpackr unpack', {
  'msgpackr unpack': () => {
    sink += (unpackr.unpack(msgpackBytes) as { total: number }).total;
  },
  'msgpackCodec().decode (size, structural pre-scan, copies)': () => {
    sink += (msgpack.decode(msgpackBytes) as { total: number }).total;
  },
});
await compare('MessagePack encode', 'msgpackr pack', {
  'msgpackr pack': () => {
    sink += packr.pack(order).byteLength;
  },
  'msgpackCodec().encode': () => {
    sink += msgpack.encode(order).byteLength;
  },
});

print();
if (sink === 42) console.log('');
