/**
 * A small, clearly fictional register so a new user sees the whole loop on first start: overdue
 * tests, a missing baseline, nobody responsible, and red, amber and trend results. Dates are
 * relative to today, so the demo never goes stale. Patient references start DEMO- and labels say
 * "fictional"; nothing here describes a real person.
 */
import { addDays, addMonths, type IsoDate } from '../domain/dates.js';

const REGISTER_HEADER = 'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff';
const EVENTS_HEADER = 'patient_ref,test,outcome,value,unit,taken_on';

export const DEMO_TEAMS = ['North CMHT (demo)', 'Riverside PCN (demo)'] as const;
const [NORTH, RIVERSIDE] = DEMO_TEAMS;

export function demoRegisterCsv(today: IsoDate): { register: string; events: string } {
  const d = (days: number) => addDays(today, -days);
  const m = (months: number) => addMonths(today, -months);
  const register: string[][] = [
    ['DEMO-001', 'Fictional patient A', NORTH, 'Demo Surgery One', '1958-04-12', 'Priadel', m(36), '', '', 'lithium_level=mh_trust;*=gp_practice', 'lithium_level=Demo Pharmacist'],
    ['DEMO-002', 'Fictional patient B', NORTH, 'Demo Surgery Two', '1985-09-01', 'Clozaril', d(70), '', '', 'mh_trust', ''],
    ['DEMO-003', 'Fictional patient C', RIVERSIDE, 'Demo Surgery One', '1970-01-20', 'methotrexate', m(24), d(21), '', 'gp_practice', ''],
    ['DEMO-004', 'Fictional patient D', RIVERSIDE, 'Demo Surgery Two', '1940-03-03', 'Eliquis', m(24), '', '', 'gp_practice', ''],
    ['DEMO-005', 'Fictional patient E', NORTH, 'Demo Surgery One', '1990-06-30', 'Zyprexa', m(14), '', '', 'mh_trust', ''],
    ['DEMO-006', 'Fictional patient F', RIVERSIDE, 'Demo Surgery Two', '1952-11-11', 'amiodarone', m(48), '', '', 'gp_practice', ''],
    ['DEMO-007', 'Fictional patient G', RIVERSIDE, 'Demo Surgery One', '1961-07-07', 'warfarin', m(12), '', '', 'gp_practice', ''],
    ['DEMO-008', 'Fictional patient H', NORTH, 'Demo Surgery Two', '1995-02-14', 'Epilim', m(8), '', '', '', ''],
    ['DEMO-009', 'Fictional patient I', RIVERSIDE, 'Demo Surgery One', '1966-05-05', 'sulfasalazine', m(36), '', '', 'gp_practice', ''],
    ['DEMO-010', 'Fictional patient J', NORTH, 'Demo Surgery Two', '1975-12-01', 'lithium', m(60), '', '', 'gp_practice', ''],
    ['DEMO-010', 'Fictional patient J', NORTH, 'Demo Surgery Two', '1975-12-01', 'ramipril', m(24), '', '', '', ''],
  ];
  const events: (string | number)[][] = [
    ['DEMO-001', 'lithium_level', 'result', 0.7, 'mmol/L', d(125)],
    ['DEMO-001', 'egfr', 'result', 68, 'mL/min/1.73m2', d(150)],
    ['DEMO-001', 'tsh', 'result', 2.2, 'mU/L', d(150)],
    ['DEMO-001', 'calcium', 'result', 2.4, 'mmol/L', d(150)],
    ['DEMO-001', 'weight', 'result', 82, 'kg', d(150)],
    ...[63, 56, 49, 42, 35, 28, 21, 14, 7].flatMap((days) => [
      ['DEMO-002', 'wbc', 'result', 5.8, '10^9/L', d(days)], ['DEMO-002', 'neutrophils', 'result', 3.4, '10^9/L', d(days)],
    ]),
    ['DEMO-002', 'wbc', 'result', 3.2, '10^9/L', d(1)],
    ['DEMO-002', 'neutrophils', 'result', 1.4, '10^9/L', d(1)],
    ['DEMO-003', 'fbc', 'done', '', '', d(20)],
    ['DEMO-003', 'alt', 'result', 124, 'U/L', d(20)],
    ['DEMO-003', 'creatinine', 'result', 78, 'µmol/L', d(200)],
    ['DEMO-003', 'creatinine', 'result', 108, 'µmol/L', d(20)],
    ['DEMO-004', 'crcl', 'result', 32, 'mL/min', d(150)],
    ['DEMO-004', 'fbc', 'done', '', '', d(150)],
    ['DEMO-004', 'lft', 'done', '', '', d(150)],
    ['DEMO-005', 'hba1c', 'result', 49, 'mmol/mol', d(30)],
    ['DEMO-005', 'weight', 'result', 91, 'kg', d(30)],
    ['DEMO-005', 'weight', 'result', 84, 'kg', d(100)],
    ['DEMO-005', 'fbc', 'dna', '', '', d(3)],
    ['DEMO-006', 'tsh', 'result', 3.1, 'mU/L', d(215)],
    ['DEMO-006', 'alt', 'result', 31, 'U/L', d(40)],
    ['DEMO-007', 'inr', 'result', 2.4, '', d(40)],
    ['DEMO-007', 'inr', 'result', 5.6, '', d(2)],
    ['DEMO-009', 'fbc', 'done', '', '', m(20)],
    ['DEMO-010', 'egfr', 'result', 72, 'mL/min/1.73m2', d(40)],
    ['DEMO-010', 'calcium', 'result', 2.3, 'mmol/L', d(40)],
    ['DEMO-010', 'tsh', 'result', 1.9, 'mU/L', d(40)],
    ['DEMO-010', 'weight', 'result', 77, 'kg', d(40)],
    ['DEMO-006', 'egfr', 'result', 64, 'mL/min/1.73m2', d(40)],
    ['DEMO-006', 'qtc', 'result', 432, 'ms', d(200)],
    ['DEMO-004', 'weight', 'result', 58, 'kg', d(150)],
    ['DEMO-004', 'medication_review', 'done', '', '', d(60)],
    ['DEMO-010', 'lithium_level', 'result', 0.5, 'mmol/L', d(190)],
    ['DEMO-010', 'lithium_level', 'result', 0.6, 'mmol/L', d(100)],
    ['DEMO-010', 'lithium_level', 'result', 0.75, 'mmol/L', d(10)],
  ];
  const csv = (header: string, rows: (string | number)[][]) => [header, ...rows.map((r) => r.map((c) => (/[",]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(','))].join('\n') + '\n';
  return { register: csv(REGISTER_HEADER, register), events: csv(EVENTS_HEADER, events) };
}
