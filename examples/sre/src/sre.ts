// An on-call alert relay, moved from the Python sre_engineer.observability_bus
// by renaming: service health events queue up with drop-oldest backpressure, a
// region-tagging extension, a pager on `service.*.prod`, a counter on `#`, a
// broken alert handler feeding the dead-letter queue, a persist-and-replay
// snapshot, a runtime switch to 'reject', and a cluster leader. Then one step of
// the migration: @bus/crypto's field encryption on the facade's underlying bus,
// so the reporter's phone number is sealed between process() and the subscribers.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, STAGE_ORDER } from '@bus/core';
import { createKeyring, fieldEncryption, SEALED_FIELD_PREFIX } from '@bus/crypto';
import { IdentityCrypto, ObservabilityEventBus } from '@bus/facade-sre';

interface Health {
  service: string;
  latencyMs: number;
  region?: string;
}

interface Incident {
  title: string;
  reporter: { name: string; phone: string };
}

/** Records the reporter's phone as it leaves process(), after every encode step. */
function wireTap(onWire: (phone: unknown) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire((ctx.envelope.data as Partial<Incident>).reporter?.phone);
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Runs the relay, writing each line through `log`. */
export async function runSre(log: (line: string) => void): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'example-sre-'));
  try {
    // ── The legacy program: only imports and casing changed. ─────────────────
    const relay = new ObservabilityEventBus({
      queueSize: 3,
      backpressurePolicy: 'drop_oldest',
      persistFile: join(directory, 'events.log'),
    });
    relay.registerCrypto(new IdentityCrypto());
    relay.registerExtension((event) => ({ ...(event as Health), region: 'eu-west-1' }));
    let seen = 0;
    relay.subscribeWildcard('#', () => {
      seen++;
    });
    relay.subscribeWildcard<Health>('service.*.prod', (topic, event) => {
      if (event.latencyMs > 500) log(`📟 page on-call: ${topic} at ${event.latencyMs} ms in ${event.region}`);
    });
    relay.subscribeWildcard<{ severity?: string }>('alerts.#', (_topic, event) => {
      if (event.severity === undefined) throw new Error('alert without severity');
    });

    for (const [service, latencyMs] of [
      ['auth', 120],
      ['search', 80],
      ['auth', 950],
      ['billing', 40],
    ] as const) {
      relay.publish(`service.${service}.prod`, { service, latencyMs }, { encrypt: true });
    }
    relay.batchPublish('alerts.db.replica', { message: 'replica lag' });
    log(`📥 queued ${relay.pendingCount} of 5 (queueSize ${relay.queueSize}, ${relay.bpPolicy}): the oldest two were shed`);

    const snapshot = await relay.persistAndReplay();
    log(`💾 persisted and replayed ${snapshot.length} queued events: ${snapshot.map(({ topic }) => topic).join(', ')}`);

    await relay.process();
    log(`📊 ${seen} events processed`);
    log(`🪦 dead-letter queue: ${JSON.stringify(relay.deadLetterQueue)}`);

    relay.updateConfigAtRuntime('backpressurePolicy', 'reject');
    relay.updateConfigAtRuntime('queueSize', 1);
    const accepted = [
      relay.publish('service.auth.prod', { service: 'auth', latencyMs: 90 }),
      relay.publish('service.auth.prod', { service: 'auth', latencyMs: 91 }),
    ];
    log(`🚦 with 'reject' and queueSize 1: accepted ${accepted.join(', ')}; rejected topic ${relay.deadLetterQueue.at(-1)?.topic}`);

    const leader = relay.clusterDeploy(['relay-c', 'relay-a', 'relay-b']);
    log(`👑 leader of ${relay.clusterNodes.length} relays: ${leader}`);

    // ── One migration step: a plugin on the facade's underlying bus. ─────────
    const keyring = createKeyring({ keys: [{ id: 'oncall-2026', key: randomBytes(32), status: 'primary' }] });
    const onWire: unknown[] = [];
    const incidents = new ObservabilityEventBus();
    incidents.bus.use(fieldEncryption({ keyring, paths: ['reporter.phone'] })).use(wireTap((phone) => onWire.push(phone)));
    incidents.subscribeWildcard<Incident>('incident.#', (_topic, incident) =>
      log(`🚨 ${incident.title}: call ${incident.reporter.name} on ${incident.reporter.phone}`),
    );
    incidents.publish('incident.opened', { title: 'checkout 5xx', reporter: { name: 'Grace', phone: '+44 20 7946 0018' } });
    await incidents.process();
    const sealed = onWire.length > 0 && onWire.every((phone) => typeof phone === 'string' && phone.startsWith(SEALED_FIELD_PREFIX));
    log(`🔐 reporter phone on the wire sealed with AES-256-GCM: ${sealed}`);
    log(`🧰 plugins on the incidents bus: ${incidents.bus.plugins.join(' → ')}`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
