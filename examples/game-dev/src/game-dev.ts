// A game server's event loop, moved from the Python game_dev.event_bus by
// renaming: player moves packed by a custom serializer, lobby chat on `global.#`,
// combat events whose bad hits end up in dead letters, a recording for replays,
// and a backpressure switch. Then one step of the migration: the same facade
// with @bus/crypto's field encryption on its underlying bus, so chat text is
// sealed between the publisher and the handlers.
import { randomBytes } from 'node:crypto';
import { definePlugin, STAGE_ORDER } from '@bus/core';
import { createKeyring, fieldEncryption, SEALED_FIELD_PREFIX } from '@bus/crypto';
import { BackpressurePolicy, EventBus, EventBusError, Serializer } from '@bus/facade-game-dev';

interface Move {
  player: string;
  x: number;
  y: number;
}

interface Chat {
  from: string;
  text: string;
}

interface Hit {
  target: string;
  damage: number;
}

/** The legacy wire format for moves: "player,x,y". */
class CompactMoveSerializer extends Serializer {
  serialize(event: unknown): string {
    const move = event as Move;
    return `${move.player},${move.x},${move.y}`;
  }

  deserialize(data: unknown): Move {
    const [player, x, y] = String(data).split(',');
    if (player === undefined || x === undefined || y === undefined) throw new Error(`not a move: ${String(data)}`);
    return { player, x: Number(x), y: Number(y) };
  }
}

/** Records the chat text as it leaves the publisher, after every encode step. */
function wireTap(onWire: (text: unknown) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire((ctx.envelope.data as Partial<Chat>).text);
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Runs the game loop, writing each line through `log`. */
export async function runGameDev(log: (line: string) => void): Promise<void> {
  // ── The legacy program: only imports and casing changed. ───────────────────
  const game = new EventBus({ queueSize: 256, backpressure: BackpressurePolicy.DROP_OLDEST, persist: true });
  game.registerSerializer('compact', new CompactMoveSerializer());
  game.registerExtension('physics', { gravity: 9.81 });
  const positions = new Map<string, string>();
  game.subscribe<Move>('zone.*.player', (move) => {
    positions.set(move.player, `(${move.x}, ${move.y})`);
  });
  game.subscribe<Chat>('global.#', (chat) => log(`💬 ${chat.from}: ${chat.text}`));
  game.subscribe<Hit>('combat.#', (hit) => {
    if (hit.damage < 0) throw new RangeError(`negative damage ${hit.damage}`);
    log(`⚔️ ${hit.target} takes ${hit.damage} damage`);
  });
  // No await: the bus starts itself on the first call, and publish delivers before it returns.

  for (let frame = 1; frame <= 3; frame++) {
    game.publish('zone.1.player', { player: 'ada', x: frame, y: frame * 2 }, { contentType: 'compact' });
  }
  log(`🎮 after 3 frames ada is at ${positions.get('ada')}`);
  game.publish('global', { from: 'ada', text: 'gg' });
  game.publish('global.lobby.chat', { from: 'grace', text: 'rematch?' });
  game.batchPublish('combat.zone1', [
    { target: 'orc', damage: 12 },
    { target: 'orc', damage: -5 },
    { target: 'troll', damage: 7 },
  ]);
  game.publish('zone.1.player', { player: 'bob', x: 1n, y: 0 }); // JSON cannot hold a BigInt
  log(`🪦 dead letters: ${game.deadLetters.map(([topic, event]) => `${topic} ${describe(event)}`).join('; ')}`);
  const recording = [...game.replay()];
  const [firstTopic, firstRaw] = recording[0] ?? [];
  log(`📼 recorded ${recording.length} events for replays; the first: ${firstTopic} "${String(firstRaw)}"`);
  log(`🧩 extensions: ${Object.keys(game.extensions).join(', ')}`);

  game.updateConfig({ backpressure: BackpressurePolicy.REJECT });
  try {
    game.publish('zone.1.player', { player: 'ada', x: 4, y: 8 });
  } catch (error) {
    if (error instanceof EventBusError) log(`🚦 server full: ${error.code}`);
  }

  // ── One migration step: a plugin on the facade's underlying bus. ───────────
  const keyring = createKeyring({ keys: [{ id: 'chat-2026', key: randomBytes(32), status: 'primary' }] });
  const onWire: unknown[] = [];
  const lobby = new EventBus();
  lobby.bus.use(fieldEncryption({ keyring, paths: ['text'] })).use(wireTap((text) => onWire.push(text)));
  lobby.subscribe<Chat>('global.#', (chat) => log(`💬 (sealed in transit) ${chat.from}: ${chat.text}`));
  // Field encryption is async: the handler runs once the kernel reports the delivery.
  const delivered = new Promise<void>((resolve) => lobby.bus.events.once('delivered', () => resolve()));
  lobby.publish('global.lobby', { from: 'grace', text: 'meet at the bridge' });
  await delivered;
  const sealed = onWire.length > 0 && onWire.every((text) => typeof text === 'string' && text.startsWith(SEALED_FIELD_PREFIX));
  log(`🔐 chat text on the wire sealed with AES-256-GCM: ${sealed}`);
  log(`🧰 plugins on the lobby bus: ${lobby.bus.plugins.join(' → ')}`);
}

function describe(event: unknown): string {
  return JSON.stringify(event, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}
