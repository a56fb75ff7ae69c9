import { describe, expect, it } from 'vitest';
import { runGameDev } from '../src/game-dev.ts';

describe('the game-dev example', () => {
  it('runs the legacy game loop on the facade, then seals chat with a plugin on its bus', async () => {
    const lines: string[] = [];
    await runGameDev((line) => lines.push(line));
    expect(lines).toEqual([
      '🎮 after 3 frames ada is at (3, 6)',
      '💬 ada: gg',
      '💬 grace: rematch?',
      '⚔️ orc takes 12 damage',
      '⚔️ troll takes 7 damage',
      '🪦 dead letters: combat.zone1 {"target":"orc","damage":-5}; zone.1.player {"player":"bob","x":"1n","y":0}',
      '📼 recorded 8 events for replays; the first: zone.1.player "ada,1,2"',
      '🧩 extensions: physics',
      '🚦 server full: BACKPRESSURE_REJECTED',
      '💬 (sealed in transit) grace: meet at the bridge',
      '🔐 chat text on the wire sealed with AES-256-GCM: true',
      '🧰 plugins on the lobby bus: topics → field-encryption → wire-tap',
    ]);
  });
});
