/**
 * The due engine: for each patient × drug × test, when was it last done, when is it next due,
 * and is that overdue. Pure: (register state, rule set, as-of date) → due items.
 *
 * Scheduling model (docs/architecture.md, "Due engine"):
 * - A test's schedule is a list of phases measured from the start date, plus an optional extra
 *   schedule after the last dose change. Each phase is a segment [from, until) with an interval.
 * - The next test is due one interval after the last, using the interval in force when it was
 *   taken; a later phase with a shorter interval (titration after a dose change) can bring it
 *   forward. Risk modifiers that hold on the as-of date cap every interval.
 * - No test is due while the schedule is in a phase with no routine monitoring (sulfasalazine
 *   bloods end after the first year), nor after a stopped drug's monitoring has run out.
 */
import { ageOn, dayNumber, fromDayNumber, type IsoDate } from './dates.js';
import { addDuration, addDurationToDay, describeDuration, parseDuration, type ParsedDuration } from './durations.js';
import { allConditionsHold, modifierCaps, PatientFacts, type Cap } from './modifiers.js';
import type { PatientState, PrescriptionState, ResponsibilityState } from './register.js';
import { conditionsOf, type MonitoringRule, type OrgType, type Phase, type RuleSet, type Source, type TestSchedule } from './rules/schema.js';
import type { TestKey } from './test-keys.js';

export { compare } from './modifiers.js';

export type DueStatus = 'ok' | 'due_soon' | 'overdue' | 'never_done' | 'waived';

export interface Responsible {
  org: OrgType;
  name: string | null;
  staff: string | null;
}

export interface DueItem {
  patientRef: string;
  displayLabel: string;
  team: string;
  drug: string;
  ruleId: string;
  test: TestKey;
  lastDone: IsoDate | null;
  dueOn: IsoDate;
  status: DueStatus;
  daysOverdue: number;
  /** Null means nobody holds this test: a gap the register must show, not hide. */
  responsible: Responsible | null;
  /** Why this due date, in words: "every 3 months; capped at 3 months (age 65 or over)". */
  basis: string;
  modifiersApplied: readonly string[];
  sources: Source[];
  waiver: { reason: string; until: IsoDate } | null;
}

const NONE: readonly string[] = Object.freeze([]);

/*
 * Internally every date is a day number (days since 1970-01-01): the engine evaluates hundreds of
 * thousands of requirements for a whole organisation, and integer arithmetic avoids the string
 * parsing, formatting and garbage that dominated its profile. Dates become strings only in the
 * items it returns.
 */
interface Segment {
  from: number;
  until: number | null;
  every: ParsedDuration | null;
  everyText: string | null;
  note: string | undefined;
  afterDoseChange: boolean;
}

interface CompiledPhase { until: ParsedDuration | null; every: ParsedDuration | null; everyText: string | null; note: string | undefined }
interface CompiledSchedule { main: CompiledPhase[]; dose: CompiledPhase[] }

/** Durations parsed once per test schedule, not once per patient. */
const compiledSchedules = new WeakMap<TestSchedule, CompiledSchedule>();

function compiled(test: TestSchedule): CompiledSchedule {
  let schedule = compiledSchedules.get(test);
  if (!schedule) {
    const compile = (phases: Phase[]) => phases.map((p) => ({
      until: p.until ? parseDuration(p.until) : null, every: p.every ? parseDuration(p.every) : null, everyText: p.every, note: p.note,
    }));
    schedule = { main: compile(test.phases), dose: compile(test.afterDoseChange) };
    compiledSchedules.set(test, schedule);
  }
  return schedule;
}

function segmentsFrom(anchor: number, phases: CompiledPhase[], afterDoseChange: boolean): Segment[] {
  const segments: Segment[] = new Array(phases.length);
  let from = anchor;
  for (let i = 0; i < phases.length; i++) {
    const phase = phases[i]!;
    const until = phase.until ? addDurationToDay(anchor, phase.until) : null;
    segments[i] = { from, until, every: phase.every, everyText: phase.everyText, note: phase.note, afterDoseChange };
    if (until !== null) from = until;
  }
  return segments;
}

const NO_SEGMENTS: Segment[] = [];

function segmentAt(segments: Segment[], day: number): Segment | undefined {
  return segments.find((s) => s.from <= day && (s.until === null || day < s.until));
}

const NO_CAPS: Cap[] = [];

interface NextDue { dueDay: number; from: number; segment: Segment | null; cap: Cap | null }

/** Earliest due day over all segments still running at `base`, each capped by the modifiers. */
function nextDue(base: number, main: Segment[], dose: Segment[], caps: Cap[]): NextDue | null {
  let bestDay = Infinity;
  let bestFrom = 0;
  let bestSegment: Segment | null = null;
  let bestCap: Cap | null = null;
  for (let i = 0; i < main.length + dose.length; i++) {
    const s = i < main.length ? main[i]! : dose[i - main.length]!;
    if (s.every === null || (s.until !== null && s.until <= base)) continue;
    const from = Math.max(base, s.from);
    let dueDay = addDurationToDay(from, s.every);
    let cap: Cap | null = null;
    for (const c of caps) {
      const capped = addDurationToDay(from, c.every);
      if (capped < dueDay) { dueDay = capped; cap = c; }
    }
    if (dueDay < bestDay) { bestDay = dueDay; bestFrom = from; bestSegment = s; bestCap = cap; }
  }
  return bestSegment === null ? null : { dueDay: bestDay, from: bestFrom, segment: bestSegment, cap: bestCap };
}

function describeBasis(next: NextDue): string {
  if (next.cap) {
    const detail = next.cap.detail ? ` (${next.cap.detail()})` : '';
    return `every ${describeDuration(next.cap.everyText)}${detail}: ${next.cap.modifier.description}`;
  }
  if (!next.segment) return 'baseline before starting treatment';
  const note = next.segment.note ? ` (${next.segment.note})` : '';
  return `every ${describeDuration(next.segment.everyText ?? '')}${next.segment.afterDoseChange ? ' after the dose change' : ''}${note}`;
}

/** True when the schedule has no routine monitoring on `day` (and no dose-change monitoring runs). */
function monitoringPaused(day: number, main: Segment[], dose: Segment[]): boolean {
  const current = segmentAt(main, day);
  if (!current || current.every !== null) return false;
  const doseNow = segmentAt(dose, day);
  return !doseNow || doseNow.every === null;
}

function findResponsible(patient: PatientState, drug: string, test: TestKey, rule: MonitoringRule): Responsible | null {
  let chosen: ResponsibilityState | undefined;
  for (const r of patient.responsibilities) {
    if (r.drug !== drug) continue;
    if (r.test === test) { chosen = r; break; }
    if (r.test === '*') chosen = r;
  }
  if (chosen) {
    const name = chosen.orgName ?? (chosen.orgType === 'gp_practice' ? patient.gpPractice : null);
    return { org: chosen.orgType, name, staff: chosen.staff };
  }
  if (rule.defaultResponsible) {
    return { org: rule.defaultResponsible, name: rule.defaultResponsible === 'gp_practice' ? patient.gpPractice : null, staff: null };
  }
  return null;
}

function dueSoonWindow(ruleSet: RuleSet, intervalDays: number): number {
  // A weekly clozapine FBC must not sit permanently "due soon", so the window is capped at a
  // quarter of the interval.
  return Math.min(ruleSet.dueSoonDays, Math.max(1, Math.floor(intervalDays / 4)));
}

function evaluateTest(facts: PatientFacts, p: PrescriptionState, rule: MonitoringRule, test: TestSchedule,
  ruleSet: RuleSet, asOfDay: number, wanted: StatusFilter): DueItem | null {
  const { patient, asOf } = facts;
  if (p.stoppedOn !== null) {
    const monitoringEnds = test.continueAfterStop ? addDuration(p.stoppedOn, test.continueAfterStop) : p.stoppedOn;
    if (monitoringEnds <= asOf) return null;
  }
  // A prescription that has not started yet needs only its baseline tests.
  if (p.startDate > asOf && !test.baseline) return null;
  // A conditional schedule (under-18s, pregnancy possible) applies only while its conditions hold.
  if (test.when !== undefined && !allConditionsHold(conditionsOf(test), facts, p)) return null;

  const lastDone = patient.lastDone[test.test] ?? null;
  const lastDoneDay = lastDone === null ? null : dayNumber(lastDone);
  const startDay = dayNumber(p.startDate);
  const schedule = compiled(test);
  const main = segmentsFrom(startDay, schedule.main, false);
  const dose = p.lastDoseChange && schedule.dose.length ? segmentsFrom(dayNumber(p.lastDoseChange), schedule.dose, true) : NO_SEGMENTS;
  const baselineOnly = test.phases.length === 0 && dose.length === 0;
  // Once routine monitoring has ended there is nothing to chase, not even a missing baseline.
  if (!baselineOnly && monitoringPaused(asOfDay, main, dose)) return null;

  const baselineMissing = test.baseline && (lastDoneDay === null || lastDoneDay < startDay - ruleSet.baselineWindowDays);
  let next: NextDue | null;
  if (baselineMissing) {
    // A baseline-only test (lithium FBC, DMARD blood pressure) stops being chased once treatment is
    // established: importing a long-standing caseload must not flood the list with old baselines.
    if (baselineOnly && asOfDay > startDay + ruleSet.baselineWindowDays) return null;
    next = { dueDay: startDay, from: startDay, segment: null, cap: null };
  } else {
    if (baselineOnly) return null;
    const caps = test.modifiers.length ? modifierCaps(test.modifiers, facts, p) : NO_CAPS;
    next = nextDue(lastDoneDay ?? startDay, main, dose, caps);
    if (next === null || monitoringPaused(next.dueDay, main, dose)) return null;
  }

  const waiver = patient.waivers.length ? patient.waivers.find((w) => w.test === test.test && (w.drug === null || w.drug === p.drug) && asOf <= w.waivedUntil) : undefined;
  const daysLate = asOfDay - next.dueDay;
  let status: DueStatus;
  if (waiver) status = 'waived';
  else if (daysLate > 0) status = lastDone === null ? 'never_done' : 'overdue';
  else if (-daysLate <= dueSoonWindow(ruleSet, baselineMissing ? ruleSet.dueSoonDays * 4 : next.dueDay - next.from)) status = 'due_soon';
  else status = 'ok';
  if (wanted && !wanted.has(status)) return null;

  const cap = next.cap;
  return {
    patientRef: patient.patientRef,
    displayLabel: patient.displayLabel,
    team: patient.team,
    drug: p.drug,
    ruleId: rule.id,
    test: test.test,
    lastDone,
    dueOn: fromDayNumber(next.dueDay),
    status,
    daysOverdue: status === 'overdue' || status === 'never_done' ? daysLate : 0,
    responsible: findResponsible(patient, p.drug, test.test, rule),
    basis: describeBasis(next),
    modifiersApplied: cap ? [cap.modifier.id] : NONE,
    // Shared, not copied: most items cite only their test's sources.
    sources: cap ? [...test.sources, ...cap.modifier.sources] : test.sources,
    waiver: waiver ? { reason: waiver.reason, until: waiver.waivedUntil } : null,
  };
}

/** Maps each register drug key to the rule that monitors it. Build once per rule set. */
export function indexRulesByDrug(ruleSet: RuleSet): Map<string, MonitoringRule> {
  const index = new Map<string, MonitoringRule>();
  for (const rule of ruleSet.rules) for (const drug of rule.drugs) index.set(drug.key, rule);
  return index;
}

/** Statuses to return; null returns every item. Items of other statuses are never built. */
export type StatusFilter = ReadonlySet<DueStatus> | null;

/** Due items for one patient, one per drug × test (the most urgent when a drug was restarted). */
export function dueForPatient(patient: PatientState, ruleSet: RuleSet, asOf: IsoDate,
  rulesByDrug: Map<string, MonitoringRule> = indexRulesByDrug(ruleSet), wanted: StatusFilter = null): DueItem[] {
  const byKey = new Map<string, DueItem>();
  const asOfDay = dayNumber(asOf);
  const age = patient.dateOfBirth === null ? null : ageOn(patient.dateOfBirth, asOf);
  const facts = new PatientFacts(patient, asOf, age, ruleSet);
  for (const prescription of patient.prescriptions) {
    const rule = rulesByDrug.get(prescription.drug);
    if (!rule) continue; // an interacting drug, or a drug whose rule an organisation disabled
    for (const test of rule.tests) {
      const item = evaluateTest(facts, prescription, rule, test, ruleSet, asOfDay, wanted);
      if (!item) continue;
      const key = `${item.drug}\u0000${item.test}`;
      const existing = byKey.get(key);
      if (!existing || item.dueOn < existing.dueOn) byKey.set(key, item);
    }
  }
  return [...byKey.values()];
}

const STATUS_ORDER: Record<DueStatus, number> = { never_done: 0, overdue: 0, due_soon: 1, ok: 2, waived: 3 };

/** Adds many patients' due items to `into`, unsorted (for callers that gather in chunks). */
export function collectDue(patients: Iterable<PatientState>, ruleSet: RuleSet, asOf: IsoDate, wanted: StatusFilter, into: DueItem[],
  rulesByDrug: ReturnType<typeof indexRulesByDrug> = indexRulesByDrug(ruleSet)): void {
  for (const patient of patients) {
    for (const item of dueForPatient(patient, ruleSet, asOf, rulesByDrug, wanted)) into.push(item);
  }
}

/** Most urgent first: overdue by days late, then by due date, then patient and test (stable output). */
export function sortDueItems(items: DueItem[]): DueItem[] {
  // Plain code-unit comparison: localeCompare is an order of magnitude slower on 400,000 items.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return items.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]
    || b.daysOverdue - a.daysOverdue || cmp(a.dueOn, b.dueOn)
    || cmp(a.patientRef, b.patientRef) || cmp(a.test, b.test));
}

/** Due items for many patients, most urgent first. */
export function computeDue(patients: Iterable<PatientState>, ruleSet: RuleSet, asOf: IsoDate, wanted: StatusFilter = null): DueItem[] {
  const items: DueItem[] = [];
  collectDue(patients, ruleSet, asOf, wanted, items);
  return sortDueItems(items);
}

