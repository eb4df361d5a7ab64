/**
 * Loads the fictional demo register into an empty database, through the same importers a real
 * register uses, so the demo exercises the real validation path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { patients } from '../db/schema.js';
import type { IsoDate } from '../domain/dates.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { importEvents } from '../imports/events-import.js';
import { importRegister } from '../imports/register-import.js';
import { demoRegisterCsv } from './demo-register.js';

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
