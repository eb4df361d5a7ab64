/**
 * Issue 10 item 5: every unit spelling docs/import-formats.md lists is imported, on each engine.
 * The list is read from the document itself, so the document cannot promise a spelling the
 * import refuses, and the code cannot accept one the document does not list. Conversions written
 * as "× n" or "÷ n" in the document are checked on the stored value; "same value" spellings are
 * stored exactly as given. Reproduces the defect first: both micro signs, ×10^9/L, x10⁹/L and
 * K/µL were refused, and one such row refused the whole import.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { monitoringEvents, patients, prescriptions, teams } from '../../src/db/schema.js';
import { addDays } from '../../src/domain/dates.js';
import { isTestKey, type TestKey } from '../../src/domain/test-keys.js';
import { acceptedUnits, canonicalUnit, normaliseValue, unitKey } from '../../src/domain/units.js';
import { importEvents } from '../../src/imports/events-import.js';
import { describeEachEngine } from '../support/databases.js';

const DOC = fs.readFileSync(fileURLToPath(new URL('../../docs/import-formats.md', import.meta.url)), 'utf8');

interface Spelling { test: TestKey; unit: string; conversion: string | null }

/** The Units table: one row per group of tests; the third column is "`a`, `b` (conversion); `c` (conversion)". */
function documentedSpellings(): Spelling[] {
  const section = DOC.slice(DOC.indexOf('### Units'), DOC.indexOf('### Plausible values'));
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| test '));
  expect(rows.length).toBeGreaterThan(20);
  return rows.flatMap((row) => {
    const [tests, stored, accepted] = row.split('|').slice(1, 4).map((cell) => cell.trim());
    const spellings: { unit: string; conversion: string | null }[] = [...stored!.matchAll(/`([^`]+)`/g)].map((m) => ({ unit: m[1]!, conversion: 'same value' }));
    for (const group of accepted!.split(';')) {
      const conversion = /\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$/.exec(group.trim())?.[1] ?? null;
      for (const m of group.matchAll(/`([^`]+)`/g)) spellings.push({ unit: m[1]!, conversion });
    }
    return tests!.split(',').map((t) => t.trim()).flatMap((test) => {
      if (!isTestKey(test)) throw new Error(`docs/import-formats.md Units table names "${test}", which is not a test key`);
      return spellings.map((s) => ({ test, ...s }));
    });
  });
}

const SPELLINGS = documentedSpellings();

/** A canonical value inside each test's plausible range (not a rating; only something to import). */
const CANONICAL_VALUE: Partial<Record<TestKey, number>> = {
  wbc: 5, neutrophils: 2.5, eosinophils: 0.3, platelets: 250, hb: 130, albumin: 40, mcv: 90, alt: 30, ast: 30, creatinine: 90,
  egfr: 70, crcl: 70, sodium: 140, potassium: 4.5, urea: 5, tsh: 2, ft4: 15, cholesterol: 5, hdl: 1.3, triglycerides: 1.5,
  lithium_level: 0.6, inr: 2.5, hba1c: 48, weight: 75, bmi: 25, bp_systolic: 120, bp_diastolic: 80, qtc: 420, calcium: 2.4,
  prolactin: 300, clozapine_level: 0.4,
};

/** The value to write in a spelling, and what the document says should be stored. */
function sample(s: Spelling): { written: number; stored: number | null } {
  const canonical = CANONICAL_VALUE[s.test]!;
  const factor = /^([×÷]) ([\d.]+)$/.exec(s.conversion ?? '');
  if (s.conversion === 'same value') return { written: canonical, stored: canonical };
  if (factor) {
    const f = Number(factor[2]);
    const written = Math.round((factor[1] === '×' ? canonical / f : canonical * f) * 100) / 100;
    return { written, stored: Math.round((factor[1] === '×' ? written * f : written / f) * 1000) / 1000 };
  }
  return { written: 6.5, stored: null }; // HbA1c in % (NGSP): the formula is checked in results.test.ts
}

describe('the documented spellings', () => {
  it('include what laboratories send: both micro signs, × and x, ^ and superscript powers, K/µL', () => {
    const units = new Set(SPELLINGS.map((s) => s.unit));
    for (const unit of ['10^3/\u00b5L', '10^3/\u03bcL', 'K/\u00b5L', 'K/\u03bcL', '\u00b5mol/L', '\u03bcmol/L', '×10^9/L', 'x10^9/L', '×10⁹/L', 'x10⁹/L', '10^9/L', '10⁹/L']) {
      expect(units, unit).toContain(unit);
    }
  });

  it('are exactly what src/domain/units.ts accepts: every accepted spelling is documented, every documented one converts', () => {
    const tests = [...new Set(SPELLINGS.map((s) => s.test))];
    for (const test of tests) {
      const spellings = SPELLINGS.filter((s) => s.test === test);
      const documented = spellings.map((s) => s.unit);
      for (const unit of acceptedUnits(test)) expect(documented, `${test} ${unit}`).toContain(unit);
      for (const s of spellings) expect(normaliseValue(test, sample(s).written, s.unit).ok, `${test} ${s.unit}`).toBe(true);
      expect(documented[0]).toBe(canonicalUnit(test));
    }
    const valueTests = Object.keys(CANONICAL_VALUE) as TestKey[];
    expect(tests.sort()).toEqual(valueTests.sort());
  });

  it('no two spellings of one test with different conversions read the same once normalised', () => {
    for (const test of new Set(SPELLINGS.map((s) => s.test))) {
      const byKey = new Map<string, string | null>();
      for (const s of SPELLINGS.filter((x) => x.test === test)) {
        const seen = byKey.get(unitKey(s.unit));
        if (seen !== undefined) expect(seen, `${test} ${s.unit}`).toBe(s.conversion);
        byKey.set(unitKey(s.unit), s.conversion);
      }
    }
  });

  it('a unit that fits nothing is still refused, naming accepted spellings', () => {
    expect(normaliseValue('neutrophils', 2, 'mmol/L')).toMatchObject({ ok: false, problem: 'unit', message: 'unit "mmol/L" is not valid for neutrophils; use 10^9/L, 10*9/L, 10⁹/L, x10^9/L, ×10^9/L, x10⁹/L' });
    expect(normaliseValue('creatinine', 2, '10^9/L').ok).toBe(false);
  });
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-units-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeEachEngine('events import: every documented unit spelling', (getDb, engine) => {
  it(`imports one result in each spelling and stores it in the canonical unit [${engine}]`, async () => {
    const db = getDb();
    const [team] = await db.insert(teams).values({ name: `units-${engine}` }).returning();
    const [patient] = await db.insert(patients).values({ patientRef: 'UNIT-001', displayLabel: 'Fictional', teamId: team!.id, gpPractice: 'Elm Surgery' }).returning();
    await db.insert(prescriptions).values({ patientId: patient!.id, drug: 'clozapine', startDate: '2025-01-01' });
    // One day each, so no two rows are the same event once stored in the canonical unit.
    const rows = SPELLINGS.map((s, i) => ({ ...s, ...sample(s), takenOn: addDays('2026-11-01', -i) }));
    const file = path.join(dir, `events-${engine}.csv`);
    const quote = (text: string) => (/[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    fs.writeFileSync(file, `patient_ref,test,outcome,value,unit,taken_on\n${rows.map((r) => `UNIT-001,${r.test},result,${r.written},${quote(r.unit)},${r.takenOn}`).join('\n')}\n`);

    const imported = await importEvents(db, file, { today: '2026-11-22' });
    expect(imported.ok ? [] : imported.problems).toEqual([]);
    const stored = await db.select().from(monitoringEvents).where(inArray(monitoringEvents.patientId, [patient!.id]));
    expect(stored).toHaveLength(rows.length);
    for (const r of rows) {
      const row = stored.find((e) => e.takenOn === r.takenOn)!;
      expect({ test: row.test, unit: row.unit }, `${r.test} in ${r.unit}`).toEqual({ test: r.test, unit: canonicalUnit(r.test) });
      if (r.stored !== null) expect(row.value, `${r.test} ${r.written} ${r.unit}`).toBeCloseTo(r.stored, 3);
    }
  });
});
