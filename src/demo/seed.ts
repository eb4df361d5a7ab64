/**
 * Loads the fictional demo register into an empty database, through the same importers a real
 * register uses, so the demo exercises the real validation path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, inArray, isNull, and } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { patients, teams } from '../db/schema.js';
import type { IsoDate } from '../domain/dates.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { importEvents } from '../imports/events-import.js';
import { importRegister } from '../imports/register-import.js';
import type { AuditActor } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { importStaff } from '../staff/staff-import.js';
import { syncActions, type SyncSummary } from '../workflow/sync.js';
import { DEMO_TEAMS, demoRegisterCsv } from './demo-register.js';
import { demoStaffCsv } from './demo-staff.js';

export async function registerIsEmpty(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(patients);
  return (row?.n ?? 0) === 0;
}

export async function seedDemoRegister(db: Database, ruleSet: RuleSet, today: IsoDate): Promise<Outcome<{ patients: number; events: number }, 'DEMO.IMPORT_FAILED'>> {
  const { register, events } = demoRegisterCsv(today);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-demo-'));
  try {
    const registerPath = path.join(dir, 'demo-register.csv');
    const eventsPath = path.join(dir, 'demo-events.csv');
    fs.writeFileSync(registerPath, register);
    fs.writeFileSync(eventsPath, events);
    const reg = await importRegister(db, registerPath, { ruleSet, today });
    if (!reg.ok) return fail('DEMO.IMPORT_FAILED', `demo register: ${reg.message}`);
    const ev = await importEvents(db, eventsPath, { today });
    if (!ev.ok) return fail('DEMO.IMPORT_FAILED', `demo events: ${ev.message}`);
    return ok({ patients: new Set(register.split('\n').slice(1).filter(Boolean).map((l) => l.split(',')[0])).size, events: events.split('\n').length - 2 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The demo staff (one per role) and the actions the demo register needs, so the console shows the
 * whole loop on first start. Both steps are idempotent.
 */
export async function seedDemoStaffAndActions(db: Database, ruleSet: RuleSet, options: { today: IsoDate; now: Date; config: WorkflowConfig }):
  Promise<Outcome<SyncSummary, 'DEMO.IMPORT_FAILED'>> {
  // Recorded as the demo, so the trail never shows fictional data as someone's use of the CLI.
  const actor: AuditActor = { id: null, name: 'closedloop demo data', identity: 'system:demo', via: 'demo', channel: null, correlationId: 'demo-seed' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-demo-'));
  try {
    const staffPath = path.join(dir, 'demo-staff.csv');
    fs.writeFileSync(staffPath, demoStaffCsv(DEMO_TEAMS));
    const staff = await importStaff(db, staffPath, { now: options.now, actor });
    if (!staff.ok) return fail('DEMO.IMPORT_FAILED', `demo staff: ${staff.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The demo shows the whole loop, escalations included, at once: its teams are not onboarding (a
  // real team's first import holds its escalations back until its first digest has gone out).
  await db.update(teams).set({ firstDigestAt: options.now }).where(and(inArray(teams.name, [...DEMO_TEAMS]), isNull(teams.firstDigestAt)));
  return ok(await syncActions(db, ruleSet, { asOf: options.today, now: options.now, actor, config: options.config }));
}
