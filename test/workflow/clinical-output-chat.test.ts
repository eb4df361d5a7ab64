/**
 * Issue 11, "Wrong clinical output", through the command core on each engine (the demo world):
 * impossible values and dates typed in chat are refused with the allowed range and write
 * nothing; the audit event keeps the value as typed; a result no threshold applies to is NOT
 * RATED; an outcome date outside its bounds, or a technician's waiver, is refused (beside the
 * date field in a form), using the configured limits.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { createCore, renderText, type FormView } from '../../src/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { NOW, USERS, createWorld, type World } from '../contract/world.js';
import { engines } from '../support/databases.js';
import { shownView } from '../support/effects.js';
import { defaultRules } from '../support/rules.js';

const { technician, pharmacist } = USERS;

describe.each(engines)('wrong clinical output, through chat [%s]', (engine) => {
  let world: World;
  const say = async (email: string, text: string) => {
    const response = await world.core.handle(consoleRequest(email, text));
    return { ok: response.ok, code: response.code, text: renderText(shownView(response)), tone: shownView(response).tone };
  };
  const auditSeq = async () => Number(rowsOf<{ seq: number }>(await world.db.execute(sql`SELECT seq FROM audit_chain_head WHERE id = 1`))[0]?.seq ?? 0);
  const eventCount = async () => Number(rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM monitoring_events`))[0]?.n);
  const overdueAction = async () => {
    const [row] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = 'overdue_monitoring' AND status = 'open' ORDER BY id LIMIT 1`));
    return `A-${Number(row!.id)}`;
  };

  beforeAll(async () => {
    world = await createWorld(engine);
    // Link both accounts first (a first request writes identity.linked), so later counts see only the command.
    for (const person of [technician, pharmacist]) await say(person.email, 'mine');
  }, 60_000);
  afterAll(async () => world?.close());

  it.each([
    ['1e308', 'VALUE.OUT_OF_RANGE'], ['1e400', 'VALUE.OUT_OF_RANGE'], ['Infinity', 'VALUE.OUT_OF_RANGE'], ['-2', 'VALUE.OUT_OF_RANGE'],
    ['1e-300', 'VALUE.INVALID'], ['NaN', 'VALUE.INVALID'],
  ])('result DEMO-002 neutrophils %s 10^9/L is refused with the plausible range (%s) and writes nothing', async (value, code) => {
    const [seq, events] = [await auditSeq(), await eventCount()];
    const reply = await say(pharmacist.email, `result DEMO-002 neutrophils ${value} 10^9/L`);
    expect(reply).toMatchObject({ ok: false, code });
    expect(reply.text).toContain('0 to 500 10^9/L');
    expect(reply.text).not.toMatch(/GREEN|Infinity 10/);
    expect([await auditSeq(), await eventCount()]).toEqual([seq, events]);
  });

  it('a plausible value is stored exactly, and the audit event keeps what was typed', async () => {
    const reply = await say(pharmacist.email, 'result DEMO-002 neutrophils 2.250 10^9/L');
    expect(reply.ok).toBe(true);
    const [event] = rowsOf<{ value: number }>(await world.db.execute(sql`SELECT e.value FROM monitoring_events e JOIN patients p ON p.id = e.patient_id
      WHERE p.patient_ref = 'DEMO-002' AND e.test = 'neutrophils' AND e.source = 'chat'`));
    expect(Number(event!.value)).toBe(2.25);
    const [audit] = rowsOf<{ after: unknown }>(await world.db.execute(sql`SELECT after FROM audit_events WHERE verb = 'result.recorded' ORDER BY seq DESC LIMIT 1`));
    const after = (typeof audit!.after === 'string' ? JSON.parse(audit!.after) : audit!.after) as Record<string, unknown>;
    expect(after).toMatchObject({ test: 'neutrophils', value: 2.25, unit: '10^9/L', received: { value: '2.250', unit: '10^9/L' } });
  });

  it('a lithium level of a clozapine-only patient is NOT RATED, never green', async () => {
    const reply = await say(pharmacist.email, 'result DEMO-002 lithium_level 0.7 mmol/L');
    expect(reply.ok).toBe(true);
    expect(reply.text).toContain('NOT RATED: lithium_level 0.7 mmol/L: not rated, because no threshold for lithium_level applies to clozapine');
    expect(reply.text).not.toContain('GREEN');
    expect(reply.tone).not.toBe('success');
  });

  it('a sample dated 1951, or tomorrow, is refused with the allowed range', async () => {
    const old = await say(pharmacist.email, 'result DEMO-002 neutrophils 3.1 10^9/L 1951-03-01');
    expect(old).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
    expect(old.text).toMatch(/a sample date must be from \d{4}-\d{2}-\d{2} \(90 days before the first prescription, \d{4}-\d{2}-\d{2}\) to 2026-11-22 \(today\)/);
    expect(await say(pharmacist.email, 'result DEMO-002 neutrophils 3.1 10^9/L 2026-11-23')).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
  });

  it('close … test_booked 2099-12-31 and 1901-01-01 are refused with the allowed range; a date in range closes', async () => {
    const ref = await overdueAction();
    expect((await say(technician.email, `claim ${ref}`)).ok).toBe(true);
    for (const date of ['2099-12-31', '1901-01-01']) {
      const reply = await say(technician.email, `close ${ref} test_booked ${date}`);
      expect(reply).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
      expect(reply.text).toContain('A test is booked for 2026-11-22 (today) to 2027-02-20 (90 days ahead)');
    }
    const closed = await say(technician.email, `close ${ref} test_booked 2026-12-01 booked at the surgery`);
    expect(closed.ok).toBe(true);
    expect(closed.text).toContain('closed: test_booked by');
  });

  it('a technician cannot waive a test; a pharmacist cannot waive it past 12 months, and the reply shows when it expires', async () => {
    const ref = await overdueAction();
    const refused = await say(technician.email, `close ${ref} not_required 2099-12-31 hospital clinic monitors it`);
    expect(refused).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
    expect(refused.text).toContain(`handoff ${ref} pharmacist`);
    const tooLong = await say(pharmacist.email, `close ${ref} not_required 2099-12-31 hospital clinic monitors it`);
    expect(tooLong).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
    expect(tooLong.text).toContain('A waiver runs from 2026-11-22 (today) to at most 2027-11-22 (12 months)');
    const waived = await say(pharmacist.email, `close ${ref} not_required 2027-05-01 hospital clinic monitors it`);
    expect(waived.ok).toBe(true);
    expect(waived.text).toContain('waived until 2027-05-01 (the waiver expires after that day)');
  });

  it('in a form, an out-of-range date is shown beside the date field', async () => {
    const ref = await overdueAction();
    const actionId = Number(ref.slice(2));
    await say(technician.email, `claim ${ref}`);
    const response = await world.core.handle(consoleRequest(technician.email, { submission: { command: 'close', fields: { actionId, outcome: 'test_booked', date: '2099-12-31' } } }));
    const effect = response.effects.find((e) => e.type === 'openForm');
    const form = (effect?.type === 'openForm' ? effect.form : null) as FormView | null;
    expect(form?.errors?.date).toContain('A test is booked for 2026-11-22 (today) to 2027-02-20');
  });

  it('the core uses the configured booking limit (BOOKING_MAX_DAYS)', async () => {
    const strict = createCore({
      db: world.db, ruleSet: defaultRules(), workflow: { ...defaultWorkflowConfig, bookingMaxDays: 7 }, now: () => NOW, logger: createLogger('error', () => {}),
    });
    const ref = await overdueAction();
    await say(technician.email, `claim ${ref}`);
    const response = await strict.handle(consoleRequest(technician.email, `close ${ref} test_booked 2026-12-01`));
    expect(response).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
    expect(renderText(shownView(response))).toContain('to 2026-11-29 (7 days ahead)');
    await strict.settle?.();
  });
});
