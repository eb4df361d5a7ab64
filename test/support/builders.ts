/** Builders for register state in domain tests: fictional patients, explicit dates. */
import type { ClinicalFlags, Sex } from '../../src/domain/clinical-attributes.js';
import type { IsoDate } from '../../src/domain/dates.js';
import type { MonitoringEvent, PatientState, PrescriptionState, ResponsibilityState, WaiverState } from '../../src/domain/register.js';
import { summariseEvents } from '../../src/domain/summarise.js';
import type { TestKey } from '../../src/domain/test-keys.js';

export interface PatientSpec {
  ref?: string;
  dateOfBirth?: IsoDate | null;
  sex?: Sex | null;
  flags?: ClinicalFlags;
  prescriptions: (Partial<PrescriptionState> & { drug: string; startDate: IsoDate })[];
  events?: MonitoringEvent[];
  responsibilities?: ResponsibilityState[];
  waivers?: WaiverState[];
  asOf: IsoDate;
}

export function patient(spec: PatientSpec): PatientState {
  return {
    patientRef: spec.ref ?? 'PT-0001',
    displayLabel: 'Test patient',
    team: 'Test CMHT',
    gpPractice: 'Test Surgery',
    dateOfBirth: spec.dateOfBirth ?? null,
    ...(spec.sex !== undefined ? { sex: spec.sex } : {}),
    ...(spec.flags ? { flags: spec.flags } : {}),
    prescriptions: spec.prescriptions.map((p) => ({ lastDoseChange: null, stoppedOn: null, ...p })),
    responsibilities: spec.responsibilities ?? [],
    waivers: spec.waivers ?? [],
    ...summariseEvents(spec.events ?? [], spec.asOf),
  };
}

export function done(test: TestKey, takenOn: IsoDate): MonitoringEvent {
  return { test, outcome: 'done', value: null, unit: null, takenOn };
}

export function result(test: TestKey, value: number, takenOn: IsoDate, unit = ''): MonitoringEvent {
  return { test, outcome: 'result', value, unit, takenOn };
}
