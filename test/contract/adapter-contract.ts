/**
 * The adapter contract: scenarios every chat adapter (console, Slack, Teams) must pass, written
 * against what a person sees. Each adapter's test file calls `adapterContract` with a harness that
 * drives the adapter the way its platform would (stdin for the console, signed HTTP for Slack,
 * Bot Connector activities for Teams) and turns what it posts back into text and buttons.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import type { Core } from '../../src/index.js';
import { engines } from '../support/databases.js';
import { USERS, createWorld, type World } from './world.js';

/** A button as the person sees it: the command it runs, and a handle the harness uses to press it. */
export interface SeenButton {
  label: string;
  command: string;
  /** The action id it is for, when it is about an action. */
  actionId?: number;
  opensForm: boolean;
  /** Whatever the harness needs to press it (the message it is on, the platform payload). */
  handle: unknown;
}

export interface Delivered {
  ok: boolean;
  /** Everything the person sees, as plain text. */
  text: string;
  /** The buttons offered. */
  buttons: SeenButton[];
}

/** A form as the person sees it (a Slack modal, card inputs, console prompts). */
export interface FormSession {
  title: string;
  fields: { name: string; label: string; required: boolean; options: string[] }[];
  /** Submits answers by field name: the errors shown in the form, or null when it was accepted. */
  submit(answers: Record<string, string | string[]>): Promise<{ errors: Record<string, string> | null; delivered: Delivered }>;
}

export interface AdapterHarness {
  /** Sends text as a linked member of staff (by email; the harness maps it to a platform account). */
  send(email: string, text: string, options?: { deliveryId?: string }): Promise<Delivered>;
  /** Sends the same delivery twice, as a platform retry would. */
  sendTwice(email: string, text: string): Promise<[Delivered, Delivered]>;
  /** Presses a button as a member of staff. */
  press(email: string, button: SeenButton): Promise<Delivered>;
  /** Presses the same button twice, as a double click does. */
  pressTwice(email: string, button: SeenButton): Promise<[Delivered, Delivered]>;
  /** Presses a form button (Close…, Hand off…, Escalate…): the form shown, or the refusal. */
  openForm(email: string, button: SeenButton): Promise<FormSession | Delivered>;
  /** Sends text from an account no member of staff is linked to. */
  sendUnlinked(text: string): Promise<Delivered>;
  /** How `link` names that unlinked account on this platform (a mention). */
  unlinkedMention: string;
  close(): Promise<void>;
}

export interface AdapterContractDescriptor {
  name: string;
  createHarness(core: Core, world: World): Promise<AdapterHarness>;
}

const refsIn = (text: string) => [...text.matchAll(/\bA-(\d+)\b/g)].map((m) => `A-${m[1]}`);

async function auditCount(world: World, entityId: string, verb: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE entity_id = ${entityId} AND verb = ${verb}`));
  return Number(row?.n ?? 0);
}

async function actionOfKind(world: World, kind: string, status = 'open'): Promise<string> {
  const [row] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = ${kind} AND status = ${status} ORDER BY id LIMIT 1`));
  if (!row) throw new Error(`the demo world has no ${status} ${kind} action`);
  return `A-${row.id}`;
}

export function adapterContract(descriptor: AdapterContractDescriptor): void {
  describe.each(engines)(`adapter contract: ${descriptor.name} [%s]`, (engine) => {
    let world: World;
    let h: AdapterHarness;
    const { technician, pharmacist, dutyLead, admin, outsider } = USERS;

    beforeAll(async () => {
      world = await createWorld(engine);
      h = await descriptor.createHarness(world.core, world);
    }, 60_000);
    afterAll(async () => {
      await h?.close();
      await world?.close();
    });

    it('help lists every command', async () => {
      const reply = await h.send(technician.email, 'help');
      expect(reply.ok).toBe(true);
      for (const command of ['mine', 'list', 'claim', 'release', 'close', 'handoff', 'escalate', 'note', 'patient', 'result', 'dna', 'discharge', 'audit', 'link']) {
        expect(reply.text).toContain(command);
      }
    });

    it('lists overdue monitoring with a way to claim each unclaimed action', async () => {
      const reply = await h.send(technician.email, 'list overdue_monitoring');
      expect(reply.ok).toBe(true);
      expect(refsIn(reply.text).length).toBeGreaterThan(0);
      expect(reply.text).toMatch(/DEMO-\d{3} \(Fictional patient [A-J]\)/);
      expect(reply.buttons.some((b) => b.command === 'claim')).toBe(true);
      // Raised by one sync, they share a due time: the longest-standing gap comes first.
      const amberDueDates = [...reply.text.matchAll(/AMBER · Overdue monitoring .*?\(due (\d{4}-\d{2}-\d{2})/g)].map((m) => m[1]);
      expect(amberDueDates.length).toBeGreaterThan(1);
      expect(amberDueDates).toEqual([...amberDueDates].sort());
    });

    it('claims once; a second claimant is told who holds it and since when', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      const first = await h.send(technician.email, `claim ${ref}`);
      expect(first.ok).toBe(true);
      expect(first.text).toContain(`${technician.name} claimed ${ref}`);
      const second = await h.send(dutyLead.email, `/closedloop claim ${ref}`);
      expect(second.ok).toBe(false);
      expect(second.text).toContain(`${ref} is already claimed by ${technician.name} at 09:30`);
      expect(await auditCount(world, ref, 'action.claimed')).toBe(1);
    });

    it('an unknown outcome lists the valid ones; a proper close closes and shows in the timeline', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      await h.send(technician.email, `claim ${ref}`);
      const wrong = await h.send(technician.email, `close ${ref} done`);
      expect(wrong.ok).toBe(false);
      expect(wrong.text).toContain('Valid outcomes: test_booked, declined, not_required, unable_to_contact');
      const missingDate = await h.send(technician.email, `close ${ref} test_booked`);
      expect(missingDate.text).toContain('test_booked needs the booked date');
      const closed = await h.send(technician.email, `close ${ref} test_booked 2026-11-29 booked at the surgery`);
      expect(closed.ok).toBe(true);
      expect(closed.text).toContain('closed: test_booked');
      const timeline = await h.send(technician.email, `audit ${ref}`);
      expect(timeline.text).toMatch(/claimed .*by Demo Technician/);
      expect(timeline.text).toMatch(/closed .*by Demo Technician/);
      expect(timeline.text).toContain('outcome test_booked');
    });

    it('releases, hands off to a role and to a person, escalates and notes', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      await h.send(technician.email, `claim ${ref}`);
      expect((await h.send(technician.email, `release ${ref}`)).text).toContain('open again');
      await h.send(technician.email, `claim ${ref}`);
      const toPerson = await h.send(technician.email, `handoff ${ref} @${dutyLead.email} on leave tomorrow`);
      expect(toPerson.ok).toBe(true);
      expect(toPerson.text).toContain(`claimed by ${dutyLead.name}`);
      const mine = await h.send(dutyLead.email, 'mine');
      expect(refsIn(mine.text)).toContain(ref);
      const toRole = await h.send(dutyLead.email, `handoff ${ref} technician back to the technicians`);
      expect(toRole.text).toContain('open, for a technician');
      const escalated = await h.send(technician.email, `escalate ${ref} patient says they were never invited`);
      expect(escalated.ok).toBe(true);
      expect(escalated.text).toMatch(/Opened A-\d+ \(escalation to a duty lead\)/);
      const noted = await h.send(technician.email, `note ${ref} left a voicemail`);
      expect(noted.ok).toBe(true);
      expect(await auditCount(world, ref, 'action.noted')).toBe(1);
    });

    it('shows a patient by pseudonymous reference and label, with due tests and open actions', async () => {
      const reply = await h.send(pharmacist.email, 'patient DEMO-001');
      expect(reply.ok).toBe(true);
      expect(reply.text).toContain('DEMO-001 (Fictional patient A)');
      expect(reply.text).toContain('lithium');
      expect(reply.text).not.toContain('1958'); // date of birth stays out of chat
    });

    it('records a red result, a missed appointment and a discharge, each opening its action', async () => {
      const red = await h.send(pharmacist.email, 'result DEMO-010 lithium_level 1.6 mmol/L');
      expect(red.ok).toBe(true);
      expect(red.text).toContain('RED');
      expect(red.text).toMatch(/A-\d+ Result review \(red\)/);
      const dna = await h.send(technician.email, 'dna DEMO-005 hba1c no transport');
      expect(dna.text).toMatch(/A-\d+ Missed appointment follow-up/);
      const discharge = await h.send(pharmacist.email, 'discharge DEMO-008');
      expect(discharge.text).toMatch(/A-\d+ Discharge reconciliation/);
    });

    it('tells an unlinked user how to get linked and records nothing', async () => {
      const before = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n;
      const reply = await h.sendUnlinked('list');
      expect(reply.ok).toBe(false);
      expect(reply.text).toMatch(/link/i);
      const after = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n;
      expect(after).toBe(before);
    });

    it('lets an admin link that account, which can then act as that member of staff', async () => {
      const refused = await h.send(technician.email, `link ${h.unlinkedMention} ${technician.email}`);
      expect(refused.ok).toBe(false);
      const linked = await h.send(admin.email, `link ${h.unlinkedMention} ${technician.email}`);
      expect(linked.ok).toBe(true);
      expect((await h.sendUnlinked('mine')).ok).toBe(true);
    });

    it('refuses a clinical sign-off by a technician, with a hint', async () => {
      const ref = await actionOfKind(world, 'result_review');
      const reply = await h.send(technician.email, `close ${ref} in_range_no_action`);
      expect(reply.ok).toBe(false);
      expect(reply.text).toMatch(/pharmacist/);
      expect(reply.text).toContain('AUTH.FORBIDDEN');
    });

    it("refuses actions on another team's work", async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      const reply = await h.send(outsider.email, `claim ${ref}`);
      expect(reply.ok).toBe(false);
      expect(reply.text).toContain('belongs to another team');
    });

    it('handles a double delivery once', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      const claimsBefore = await auditCount(world, ref, 'action.claimed');
      const [first, second] = await h.sendTwice(technician.email, `claim ${ref}`);
      expect(first.ok).toBe(true);
      // The retry is told what the first delivery was told (a channel card it posted is not posted again).
      expect(second.text).toContain(`${technician.name} claimed ${ref}`);
      expect(await auditCount(world, ref, 'action.claimed')).toBe(claimsBefore + 1);
    });

    it('a pressed button runs its command as the presser', async () => {
      const list = await h.send(technician.email, 'list overdue_monitoring');
      const claim = list.buttons.find((b) => b.command === 'claim');
      expect(claim).toBeDefined();
      const pressed = await h.press(technician.email, claim!);
      expect(pressed.ok).toBe(true);
      expect(pressed.text).toContain(`${technician.name} claimed A-${claim!.actionId}`);
    });

    it('a double click claims once', async () => {
      const list = await h.send(technician.email, 'list overdue_monitoring');
      const claim = list.buttons.find((b) => b.command === 'claim')!;
      const ref = `A-${claim.actionId}`;
      const before = await auditCount(world, ref, 'action.claimed');
      const actionsBefore = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM actions`))[0]!.n;
      const [first, second] = await h.pressTwice(technician.email, claim);
      expect(first.ok).toBe(true);
      expect(second.text).not.toContain('something went wrong');
      expect(await auditCount(world, ref, 'action.claimed')).toBe(before + 1);
      expect(rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM actions`))[0]!.n).toBe(actionsBefore);
    });

    it('closes through the form: a missing detail is shown in the form, the corrected form closes the action', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      const claimed = await h.send(technician.email, `claim ${ref}`);
      const close = claimed.buttons.find((b) => b.command === 'close' && b.opensForm);
      expect(close).toBeDefined();
      const form = await h.openForm(technician.email, close!);
      if (!('submit' in form)) throw new Error(`no form: ${form.text}`);
      // not_required (a waiver) is a clinical sign-off, not offered to a technician (issue 11).
      expect(form.fields.find((f) => f.name === 'outcome')?.options).toEqual(['test_booked', 'declined', 'unable_to_contact']);
      const missing = await form.submit({ outcome: 'test_booked', note: 'booked by phone' });
      expect(missing.errors?.date).toContain('test_booked needs the booked date');
      expect(await auditCount(world, ref, 'action.closed')).toBe(0);
      const done = await form.submit({ outcome: 'test_booked', date: '2026-11-30', note: 'booked by phone' });
      expect(done.errors).toBeNull();
      expect(await auditCount(world, ref, 'action.closed')).toBe(1);
      const [row] = rowsOf<{ status: string; outcome: string; detail: unknown }>(await world.db.execute(sql`SELECT status, outcome, outcome_detail AS detail FROM actions WHERE id = ${Number(ref.slice(2))}`));
      expect(row).toMatchObject({ status: 'closed', outcome: 'test_booked' });
    });

    it('offers only the outcomes the person may choose; a clinical sign-off form is refused to a technician', async () => {
      const ref = await actionOfKind(world, 'result_review');
      const seen = await h.send(pharmacist.email, `claim ${ref}`);
      const close = seen.buttons.find((b) => b.command === 'close' && b.opensForm)!;
      const refusedForm = await h.openForm(technician.email, close);
      expect('submit' in refusedForm).toBe(false);
      expect((refusedForm as Delivered).text).toMatch(/clinical decision|pharmacist/);
      const form = await h.openForm(pharmacist.email, close);
      if (!('submit' in form)) throw new Error(`no form: ${form.text}`);
      expect(form.fields.find((f) => f.name === 'outcome')?.options).toContain('in_range_no_action');
    });

    it('hands off through the form to a person of the team, chosen from a list', async () => {
      const ref = await actionOfKind(world, 'overdue_monitoring');
      const seen = await h.send(technician.email, `claim ${ref}`);
      const handoff = seen.buttons.find((b) => b.command === 'handoff' && b.opensForm)!;
      const form = await h.openForm(technician.email, handoff);
      if (!('submit' in form)) throw new Error(`no form: ${form.text}`);
      const people = form.fields.find((f) => f.name === 'person')?.options ?? [];
      expect(people).toContain(dutyLead.email);
      expect(people).not.toContain(outsider.email);
      const noReason = await form.submit({ person: dutyLead.email });
      expect(noReason.errors?.reason).toBeTruthy();
      const done = await form.submit({ person: dutyLead.email, reason: 'covering the clinic' });
      expect(done.errors).toBeNull();
      expect(await auditCount(world, ref, 'action.handed_off')).toBe(1);
    });

    it('renders a long list as the most urgent 25 and counts the rest', async () => {
      // Thirty more actions for one patient: more than any platform should post at once.
      const [patient] = rowsOf<{ id: string; team_id: string }>(await world.db.execute(sql`SELECT id, team_id FROM patients WHERE patient_ref = 'DEMO-002'`));
      await world.db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at)
        SELECT 'escalation', ${patient!.id}::uuid, ${patient!.team_id}::uuid, 'contract-long-list:' || n, '{"reason":"long list"}'::jsonb, 'routine', now() + interval '3 days'
        FROM generate_series(1, 30) n`);
      const reply = await h.send(dutyLead.email, 'list escalation');
      expect(reply.ok).toBe(true);
      expect(new Set(refsIn(reply.text)).size).toBe(25);
      expect(reply.text).toMatch(/\d+ more/);
      expect(reply.text).toContain('Narrow the list');
    });

    // Last: binding changes what every later list in this channel shows.
    it("lets an admin bind the channel to a team, whose lists it then shows", async () => {
      expect((await h.send(technician.email, 'bind North CMHT (demo)')).ok).toBe(false);
      const bound = await h.send(admin.email, 'bind North CMHT (demo)');
      expect(bound.ok).toBe(true);
      expect(bound.text).toContain("North CMHT (demo)'s channel");
      expect((await h.send(admin.email, 'bind North CMHT (demo)')).text).toContain('was already');
      const list = await h.send(technician.email, 'list');
      expect(list.text).toContain('for North CMHT (demo)');
      expect(list.text).not.toMatch(/DEMO-00[34679] /); // Riverside's patients
    });
  });
}
