/**
 * Forms through the core's one entry point: what a Close…, Hand off… or Escalate… button opens,
 * who is offered what, and how a refused submission comes back (the same form, the person's input
 * kept, the problem beside its field). Written from the rules, not from the code.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { rowsOf } from '../../src/db/client.js';
import type { CoreResponse, FormView, SubmissionFields } from '../../src/index.js';
import { USERS, createWorld, type World } from '../contract/world.js';
import { engines } from '../support/databases.js';

const { technician, pharmacist, dutyLead, outsider } = USERS;

function formOf(response: CoreResponse): FormView {
  const effect = response.effects.find((e) => e.type === 'openForm');
  if (effect?.type !== 'openForm') throw new Error(`no form in ${JSON.stringify(response.effects.map((e) => e.type))}`);
  return effect.form;
}

describe.each(engines)('forms [%s]', (engine) => {
  let world: World;
  const submit = (email: string, command: string, fields: SubmissionFields, openForm = false) =>
    world.core.handle(consoleRequest(email, { submission: { command, fields, ...(openForm ? { openForm } : {}) } }));
  const firstOpen = async (kind: string): Promise<number> => {
    const [row] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = ${kind} AND status = 'open' ORDER BY id LIMIT 1`));
    return Number(row!.id);
  };

  beforeAll(async () => {
    world = await createWorld(engine);
  }, 60_000);
  afterAll(async () => world?.close());

  it('a close form offers a technician every non-clinical outcome of the kind, with the inputs those outcomes need', async () => {
    const actionId = await firstOpen('overdue_monitoring');
    await submit(technician.email, 'claim', { actionId });
    const form = formOf(await submit(technician.email, 'close', { actionId }, true));
    expect(form.submit).toEqual({ label: 'Close', command: 'close', fields: { actionId } });
    const outcome = form.fields.find((f) => f.name === 'outcome');
    // A waiver (not_required) is a clinical sign-off, so a technician is not offered it (issue 11).
    expect(outcome?.kind === 'choice' && outcome.options.map((o) => o.value)).toEqual(['test_booked', 'declined', 'unable_to_contact']);
    expect(form.fields.map((f) => f.name)).toEqual(['outcome', 'date', 'attempts', 'note']);
    expect(form.intro).toMatch(/DEMO-\d{3} \(Fictional patient [A-J]\)/);
  });

  it('a result review form offers a pharmacist the clinical sign-offs, and is refused to a technician', async () => {
    const actionId = await firstOpen('result_review');
    await submit(pharmacist.email, 'claim', { actionId });
    const form = formOf(await submit(pharmacist.email, 'close', { actionId }, true));
    const outcome = form.fields.find((f) => f.name === 'outcome');
    expect(outcome?.kind === 'choice' && outcome.options.map((o) => o.value)).toContain('in_range_no_action');
    const refused = await submit(technician.email, 'close', { actionId }, true);
    expect(refused).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
  });

  it("a hand-off form lists the action's team members who may work it, never another team's", async () => {
    const actionId = await firstOpen('overdue_monitoring');
    const form = formOf(await submit(technician.email, 'handoff', { actionId }, true));
    const person = form.fields.find((f) => f.name === 'person');
    const emails = person && 'options' in person ? person.options.map((o) => o.value) : [];
    expect(emails).toContain(dutyLead.email);
    expect(emails).not.toContain(technician.email); // not to yourself
    expect(emails).not.toContain(outsider.email);
    expect(form.fields.find((f) => f.name === 'reason')?.required).toBe(true);
  });

  it("another team's action has no form, and is not revealed", async () => {
    const actionId = await firstOpen('overdue_monitoring');
    expect(await submit(outsider.email, 'escalate', { actionId }, true)).toMatchObject({ ok: false, code: 'ACTION.NOT_FOUND' });
  });

  it('a refused submission comes back as the same form, input kept, the problem beside its field; nothing changes', async () => {
    const actionId = await firstOpen('overdue_monitoring');
    await submit(technician.email, 'claim', { actionId });
    const events = async () => Number(rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n);
    const before = await events();
    const missingDate = await submit(technician.email, 'close', { actionId, outcome: 'test_booked', note: 'rang' });
    expect(missingDate).toMatchObject({ ok: false, code: 'OUTCOME.DETAIL_MISSING' });
    const form = formOf(missingDate);
    expect(form.errors?.date).toContain('test_booked needs the booked date');
    expect(form.values).toMatchObject({ outcome: 'test_booked', note: 'rang' });
    const badValues = formOf(await submit(technician.email, 'close', { actionId, outcome: 'declined', attempts: 'lots' }));
    expect(badValues.errors).toEqual({ attempts: 'Give a whole number of attempts, 0 to 100.' });
    expect(await events()).toBe(before);
    const accepted = await submit(technician.email, 'close', { actionId, outcome: 'test_booked', date: '2026-11-30', note: 'rang' });
    expect(accepted).toMatchObject({ ok: true, changed: true });
  });

  it('typing "close ID" alone opens the form, as the button does', async () => {
    const actionId = await firstOpen('overdue_monitoring');
    await submit(technician.email, 'claim', { actionId });
    const form = formOf(await world.core.handle(consoleRequest(technician.email, `close A-${actionId}`)));
    expect(form.title).toBe(`Close A-${actionId}`);
  });

  it('a claim pressed on a card replaces that card; pressed on a list it replies', async () => {
    const actionId = await firstOpen('overdue_monitoring');
    const onCard = await world.core.handle(consoleRequest(technician.email, { submission: { command: 'claim', fields: { actionId }, refreshesSource: true } }));
    expect(onCard.effects.map((e) => e.type)).toEqual(['replaceSource']);
    const other = await firstOpen('overdue_monitoring');
    const onList = await submit(technician.email, 'claim', { actionId: other });
    expect(onList.effects.map((e) => e.type)).toEqual(['reply']);
  });
});
