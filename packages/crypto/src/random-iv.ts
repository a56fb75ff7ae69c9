/**
 * Random 96-bit IVs, drawn from the CSPRNG in batches: one `randomFillSync`
 * per 1024 IVs instead of one `randomBytes` call per payload. Each IV is
 * handed out once; the pool is refilled, never reused.
 */
import { randomFillSync } from 'node:crypto';
import { IV_BYTES } from './sealed-format.js';

const IVS_PER_FILL = 1024;
const pool = Buffer.alloc(IV_BYTES * IVS_PER_FILL);
let offset = pool.byteLength;

/**
 * A fresh random IV. It is a view into the pool: copy it (or hand it to
 * `createCipheriv`, which copies it) before the next call.
 */
export function nextIv(): Buffer {
  if (offset === pool.byteLength) {
    randomFillSync(pool);
    offset = 0;
  }
  const iv = pool.subarray(offset, offset + IV_BYTES);
  offset += IV_BYTES;
  return iv;
}
