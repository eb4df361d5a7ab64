/**
 * Synthetic register for the benchmark: N patients over T teams, one or two high-risk drugs each,
 * and ~20 events per patient spread over two years. Deterministic (seeded PRNG), so runs compare.
 * Streams straight to disk: the events file is ~100 MB and is never held in memory.
 */
import fs from 'node:fs';
import { addDays, type IsoDate } from '../src/domain/dates.js';
import { buildDrugIndex, resolveDrug } from '../src/domain/rules/drugs.js';
import type { RuleSet } from '../src/domain/rules/schema.js';
import type { TestKey } from '../src/domain/test-keys.js';
import { canonicalUnit } from '../src/domain/units.js';

export interface GenerateOptions {
  patients: number;
  teams: number;
  eventsPerPatient: number;
  today: IsoDate;
  dir: string;
}

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Drug mix loosely shaped like a mental-health and primary-care shared-care caseload. */
const DRUG_MIX: [string, number][] = [
  ['lithium', 15], ['clozapine', 10], ['olanzapine', 13], ['quetiapine', 7], ['aripiprazole', 5], ['methotrexate', 10],
  ['azathioprine', 3], ['sulfasalazine', 3], ['leflunomide', 2], ['mycophenolate', 2], ['amiodarone', 5], ['warfarin', 8],
  ['apixaban', 6], ['rivaroxaban', 4], ['sodium valproate', 5], ['pregabalin', 1], ['oxycodone', 1],
];

/** The analyte a synthetic result reports for each requirement, with a typical value and spread. */
const ANALYTE_FOR: Partial<Record<TestKey, [TestKey, number, number][]>> = {
  fbc: [['wbc', 6.5, 1.8], ['neutrophils', 3.8, 1.2], ['platelets', 250, 60]],
  lft: [['alt', 28, 15], ['albumin', 40, 4]],
  renal: [['creatinine', 85, 20], ['egfr', 75, 15], ['crcl', 70, 20]],
  tft: [['tsh', 2.2, 1]], lipids: [['cholesterol', 5, 1]], lithium_level: [['lithium_level', 0.7, 0.15]],
  inr: [['inr', 2.5, 0.5]], hba1c: [['hba1c', 40, 6]], weight: [['weight', 80, 14]], bp: [['bp_systolic', 128, 14]],
  ecg: [['qtc', 420, 20]], calcium: [['calcium', 2.35, 0.1]], prolactin: [['prolactin', 300, 150]],
  clozapine_level: [['clozapine_level', 0.45, 0.15]],
};

export async function generateRegister(ruleSet: RuleSet, opts: GenerateOptions): Promise<{ registerPath: string; eventsPath: string; prescriptions: number; events: number }> {
  const random = prng(20261122);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const gauss = () => (random() + random() + random() - 1.5) * 1.4;
  const totalWeight = DRUG_MIX.reduce((s, [, w]) => s + w, 0);
  const pickDrug = () => {
    let r = random() * totalWeight;
    for (const [drug, w] of DRUG_MIX) { if ((r -= w) < 0) return drug; }
    return DRUG_MIX[0]![0];
  };
  const drugIndex = buildDrugIndex(ruleSet);
  const testsFor = (drug: string): TestKey[] => {
    const match = resolveDrug(drugIndex, drug);
    const rule = match?.kind === 'monitored' ? ruleSet.rules.find((r) => r.id === match.ruleId) : undefined;
    return (rule?.tests ?? []).map((t) => t.test as TestKey);
  };

  fs.mkdirSync(opts.dir, { recursive: true });
  const registerPath = `${opts.dir}/register.csv`;
  const eventsPath = `${opts.dir}/events.csv`;
  const register = fs.createWriteStream(registerPath);
  const events = fs.createWriteStream(eventsPath);
  const write = async (stream: fs.WriteStream, line: string) => {
    if (!stream.write(line)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  };
  await write(register, 'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff\n');
  await write(events, 'patient_ref,test,outcome,value,unit,taken_on\n');

  let prescriptions = 0;
  let eventCount = 0;
  for (let i = 1; i <= opts.patients; i++) {
    const ref = `SYN-${String(i).padStart(6, '0')}`;
    const team = `Team ${String(1 + (i % opts.teams)).padStart(2, '0')}`;
    const dob = addDays('1940-01-01', Math.floor(random() * 365 * 60));
    const drugs = new Set([pickDrug()]);
    if (random() < 0.2) drugs.add(pickDrug());
    const tests = new Set<TestKey>();
    let firstStart = opts.today;
    for (const drug of drugs) {
      const start = addDays(opts.today, -30 - Math.floor(random() * 3650));
      if (start < firstStart) firstStart = start;
      const org = random() < 0.5 ? 'gp_practice' : 'mh_trust';
      await write(register, `${ref},Synthetic ${i},${team},Practice ${1 + (i % 400)},${dob},${drug},${start},,,${org},\n`);
      prescriptions++;
      for (const t of testsFor(drug)) tests.add(t);
    }
    const testList = [...tests];
    if (testList.length === 0) continue;
    // Events walk backwards from today so each (test, date) is distinct for the patient.
    const perTest = Math.ceil(opts.eventsPerPatient / testList.length);
    let written = 0;
    for (const test of testList) {
      let date = addDays(opts.today, -Math.floor(random() * 60));
      // The importer refuses results from before the first prescription's baseline window (90 days).
      const earliest = addDays(firstStart, -90);
      for (let k = 0; k < perTest && written < opts.eventsPerPatient && date >= earliest; k++, written++) {
        const analytes = ANALYTE_FOR[test];
        if (!analytes) {
          await write(events, `${ref},${test},done,,,${date}\n`);
        } else {
          const [analyte, mean, sd] = pick(analytes);
          const value = Math.max(0.01, mean + gauss() * sd);
          await write(events, `${ref},${analyte},result,${value.toFixed(2)},${canonicalUnit(analyte) === 'ratio' ? '' : canonicalUnit(analyte)},${date}\n`);
        }
        eventCount++;
        date = addDays(date, -(14 + Math.floor(random() * 90)));
      }
    }
  }
  await Promise.all([register, events].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  return { registerPath, eventsPath, prescriptions, events: eventCount };
}
