/**
 * Crypto-shredding: one key per subject (a patient, a customer), so that
 * destroying a subject's key makes exactly that subject's payloads unreadable,
 * wherever copies of them are (logs, backups, event stores), while every
 * other payload still opens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BusError } from '@bus/core';
import type { EncryptionKey, KeyContext, KeyProvider } from './key-provider.js';
import { KEY_BYTES } from './key-provider.js';

/**
 * Options of {@link createSubjectKeyProvider}.
 *
 * @example
 * ```ts
 * createSubjectKeyProvider({ subjectOf: (context) => context.tenantid && `${context.tenantid}/${context.subject}` });
 * ```
 */
export interface SubjectKeyProviderOptions {
  /** Which subject a payload belongs to. Default: the event's `subject` attribute. */
  readonly subjectOf?: (context: KeyContext) => string | undefined;
}

/**
 * A key provider with one key per subject, and `destroy` to shred one.
 *
 * @example
 * ```ts
 * const keys = createSubjectKeyProvider();
 * const bus = createBus().use(serialization()).use(crypto({ keyProvider: keys }));
 * // ... publish with { subject: 'patient-42' } ...
 * keys.destroy('patient-42'); // every payload of patient-42 is now unreadable
 * ```
 */
export interface SubjectKeyProvider extends KeyProvider {
  /**
   * Destroys the subject's key (its bytes are zeroed): payloads sealed for
   * the subject no longer open (`DECRYPT_FAILED`). A later payload for the
   * same subject gets a new key. Returns whether the subject had a key.
   */
  destroy(subject: string): boolean;
  /** Whether the subject currently has a key. */
  has(subject: string): boolean;
}

/**
 * Creates an in-memory per-subject key provider: the first payload for a
 * subject creates its key (with a random id, so the key id does not reveal
 * the subject). Sealing a payload without a subject fails with
 * `ENCODE_FAILED`. Keys live as long as the process: for durable
 * crypto-shredding, implement {@link KeyProvider} on a KMS or database with
 * the same shape.
 *
 * @example
 * ```ts
 * const keys = createSubjectKeyProvider();
 * const bus = createBus().use(serialization()).use(crypto({ keyProvider: keys }));
 * await bus.start();
 * await bus.publish('patients.admitted', { name: 'Ada' }, { subject: 'patient-42' });
 * keys.destroy('patient-42');
 * ```
 */
export function createSubjectKeyProvider(options: SubjectKeyProviderOptions = {}): SubjectKeyProvider {
  const subjectOf = options.subjectOf ?? ((context: KeyContext) => context.subject);
  const bySubject = new Map<string, EncryptionKey>();
  const byId = new Map<string, Uint8Array>();
  return {
    encryptionKey(context) {
      const subject = subjectOf(context);
      if (typeof subject !== 'string' || subject.length === 0) {
        return Promise.reject(
          new BusError(
            'ENCODE_FAILED',
            `Event ${context.eventId ?? '(unknown)'} has no subject to pick a key by: publish it with { subject } for crypto-shredding.`,
            { eventId: context.eventId },
          ),
        );
      }
      let entry = bySubject.get(subject);
      if (entry === undefined) {
        entry = { id: `subject-${randomUUID()}`, key: randomBytes(KEY_BYTES) };
        bySubject.set(subject, entry);
        byId.set(entry.id, entry.key);
      }
      // A copy, so that destroy() zeroing the stored key cannot reach a seal already in flight.
      return Promise.resolve({ id: entry.id, key: Uint8Array.from(entry.key) });
    },
    decryptionKey(id) {
      return Promise.resolve(byId.get(id));
    },
    destroy(subject) {
      const entry = bySubject.get(subject);
      if (entry === undefined) return false;
      bySubject.delete(subject);
      byId.delete(entry.id);
      entry.key.fill(0);
      return true;
    },
    has(subject) {
      return bySubject.has(subject);
    },
  };
}
