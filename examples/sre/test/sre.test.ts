import { describe, expect, it } from 'vitest';
import { runSre } from '../src/sre.ts';

describe('the sre example', () => {
  it('runs the legacy alert relay on the facade, then seals a field with a plugin on its bus', async () => {
    const lines: string[] = [];
    await runSre((line) => lines.push(line));
    expect(lines).toEqual([
      '📥 queued 3 of 5 (queueSize 3, drop_oldest): the oldest two were shed',
      '💾 persisted and replayed 3 queued events: service.auth.prod, service.billing.prod, alerts.db.replica',
      '📟 page on-call: service.auth.prod at 950 ms in eu-west-1',
      '📊 3 events processed',
      '🪦 dead-letter queue: [{"topic":"alerts.db.replica","error":"alert without severity"}]',
      "🚦 with 'reject' and queueSize 1: accepted true, false; rejected topic service.auth.prod",
      '👑 leader of 3 relays: relay-a',
      '🚨 checkout 5xx: call Grace on +44 20 7946 0018',
      '🔐 reporter phone on the wire sealed with AES-256-GCM: true',
      '🧰 plugins on the incidents bus: topics → sre → field-encryption → wire-tap',
    ]);
  });
});
