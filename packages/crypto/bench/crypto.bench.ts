// Seal/open throughput against raw node:crypto AES-256-GCM doing the same
// work, and an IV-uniqueness check over 1,000,000 seals (a benchmark-style
// check, not a unit test). Run with `pnpm bench` (measures the built package).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createBenchReport } from '@bus/scripts/bench';
import { createKeyring, eventAad, inspectSealed, openPayload, sealPayload } from '../dist/index.js';

const { results, compare, print } = createBenchReport('@bus/crypto');
let sink = 0;

const key = randomBytes(32);
const keyring = createKeyring({ keys: [{ id: 'bench-key', key, status: 'primary' }] });
const aad = eventAad({ id: '019a0000-0000-7000-8000-000000000000', type: 'patients.admitted', source: 'ward-7', tenantid: 'clinic-a' });

/** The baseline: the same AES-256-GCM work with node:crypto directly (random IV, AAD, tag), no format, no key lookup. */
function rawSeal(plaintext: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function rawOpen(sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

async function throughput(size: number, label: string): Promise<void> {
  const plaintext = randomBytes(size);
  await compare(
    `seal ${label}`,
    'raw createCipheriv',
    {
      'raw createCipheriv': () => {
        sink += rawSeal(plaintext).byteLength;
      },
      sealPayload: async () => {
        sink += (await sealPayload({ keyring, plaintext, aad })).byteLength;
      },
    },
    '>= 0.5x raw createCipheriv',
  );
  const sealed = await sealPayload({ keyring, plaintext, aad });
  const raw = rawSeal(plaintext);
  await compare(
    `open ${label}`,
    'raw createDecipheriv',
    {
      'raw createDecipheriv': () => {
        sink += rawOpen(raw).byteLength;
      },
      openPayload: async () => {
        sink += (await openPayload({ keyring, sealed, aad })).byteLength;
      },
    },
    '>= 0.5x raw createDecipheriv',
  );
}

/** Seals 1,000,000 payloads and counts repeated IVs (expected: 0; a 96-bit random IV repeats with p ≈ 2^-57 here). */
async function ivCollisions(count: number): Promise<void> {
  const plaintext = randomBytes(16);
  const seen = new Set<string>();
  let collisions = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const iv = inspectSealed(await sealPayload({ keyring, plaintext, aad })).iv;
    const text = Buffer.from(iv.buffer, iv.byteOffset, iv.byteLength).toString('latin1');
    if (seen.has(text)) collisions++;
    else seen.add(text);
  }
  const sealsPerSec = count / ((performance.now() - started) / 1000);
  seen.clear();
  const baselineStarted = performance.now();
  for (let i = 0; i < count; i++) sink += rawSeal(plaintext).byteLength;
  const rawPerSec = count / ((performance.now() - baselineStarted) / 1000);
  results.push({
    name: `IV collisions in ${count.toLocaleString('en-US')} seals: ${collisions}`,
    opsPerSec: Math.round(sealsPerSec),
    baseline: 'raw createCipheriv, same count (no IV bookkeeping)',
    baselineOpsPerSec: Math.round(rawPerSec),
    ratio: Number((sealsPerSec / rawPerSec).toFixed(3)),
    goal: '0 collisions',
    collisions,
  });
}

await throughput(64, '64 B');
await throughput(1024, '1 KiB');
await throughput(64 * 1024, '64 KiB');
await ivCollisions(Number(process.env.BUS_BENCH_IV_COUNT ?? 1_000_000));
print();
if (sink === 42) console.log('');
