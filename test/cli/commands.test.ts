/**
 * The command list (src/cli/commands.ts) holds each command's help text and loads its handler on
 * demand, so `closedloop help` starts without zod, drizzle or the database drivers. Each entry
 * must load the handler of the same name, carrying the same text.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';

describe('CLI command list', () => {
  it('loads, for every entry, the handler of that name with the listed usage and summary', async () => {
    for (const entry of COMMANDS) {
      const spec = await entry.load();
      expect({ name: spec.name, usage: spec.usage, summary: spec.summary }).toEqual({ name: entry.name, usage: entry.usage, summary: entry.summary });
    }
  });

  it('names each command once', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
