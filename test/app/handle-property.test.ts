/**
 * Property: whatever anyone types, `handle` answers with a view and never throws or reports an
 * unexpected error. 10,000 strings: half random text, half near-grammar (real verbs and ids with
 * random arguments), so both the parser and the command handlers are exercised.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { COMMAND_NAMES } from '../../src/app/grammar.js';
import { OUTCOMES, ROLES } from '../../src/domain/actions/kinds.js';
import { USERS, createWorld, type World } from '../contract/world.js';
import { shownView } from '../support/effects.js';

const words = fc.oneof(
  fc.constantFrom(...COMMAND_NAMES, '/closedloop', 'closedloop', 'list', 'overdue', 'unclaimed', 'red', 'result_review'),
  fc.constantFrom('A-1000', 'A-1001', 'A-1010', 'A-99999999', 'a-1005', '1003', 'A-', 'DEMO-001', 'DEMO-010', 'NOPE-1'),
  fc.constantFrom(...Object.values(OUTCOMES).flatMap((o) => Object.keys(o)), ...ROLES.map((r) => `@${r}`)),
  fc.constantFrom('2026-11-22', '2026-02-30', '1.6', '-3', 'NaN', '1e308', 'mmol/L', 'attempts=2', 'adjustments=transport,x', '<@U1>', '@demo.pharmacist@example.invalid'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const nearGrammar = fc.tuple(fc.constantFrom(...COMMAND_NAMES), fc.array(words, { maxLength: 6 })).map(([verb, rest]) => [verb, ...rest].join(' '));
const anyText = fc.string({ unit: 'binary', maxLength: 200 });

describe('handle never throws', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('pglite');
  }, 60_000);
  afterAll(async () => world?.close());

  it('answers 10,000 random command strings with a view or a form and no unexpected error', async () => {
    const codes = new Map<string, number>();
    const people = Object.values(USERS).map((u) => u.email);
    await fc.assert(fc.asyncProperty(fc.oneof({ arbitrary: nearGrammar, weight: 7 }, { arbitrary: anyText, weight: 3 }), fc.constantFrom(...people, 'stranger@example.invalid'), async (text, email) => {
      const response = await world.core.handle(consoleRequest(email, text));
      expect(response.code).not.toBe('UNEXPECTED');
      expect(response.code).not.toBe('REQUEST.INVALID');
      // Every answer shows the person something: a view with words, or a form with fields.
      const form = response.effects.find((e) => e.type === 'openForm');
      if (form?.type === 'openForm') expect(form.form.fields.length).toBeGreaterThan(0);
      else expect(shownView(response).fallbackText.length).toBeGreaterThan(0);
      if (!response.ok) expect(response.code).toMatch(/^[A-Z]+\.[A-Z_]+$/);
      codes.set(response.code ?? 'ok', (codes.get(response.code ?? 'ok') ?? 0) + 1);
    }), { numRuns: 10_000 });
    // The property means little if nearly everything stops at the parser: check the handlers ran.
    const PARSE_CODES = ['COMMAND.UNKNOWN', 'COMMAND.EMPTY', 'COMMAND.USAGE', 'ACTION.BAD_ID', 'LIST.UNKNOWN_FILTER', 'TARGET.INVALID', 'DATE.INVALID', 'VALUE.INVALID'];
    const reachedHandlers = [...codes].filter(([code]) => !PARSE_CODES.includes(code)).reduce((n, [, count]) => n + count, 0);
    expect(reachedHandlers).toBeGreaterThan(1_000);
  }, 300_000);
});
