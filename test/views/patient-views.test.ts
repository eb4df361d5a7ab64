/** The patient card says which register flags are set, since they change the ranges and reviews that apply. */
import { describe, expect, it } from 'vitest';
import { patientView } from '../../src/views/patient-views.js';
import { patient } from '../support/builders.js';

const header = { patientRef: 'PT-0001', displayLabel: 'Test patient', teamName: 'North CMHT', gpPractice: 'Elm Surgery' };
const fieldsOf = (view: ReturnType<typeof patientView>) => view.blocks.flatMap((b) => (b.kind === 'fields' ? b.fields : []));

describe('patient card', () => {
  it('shows the clinical flags in words, with the INR range the target gives', () => {
    const state = patient({ asOf: '2026-11-20', prescriptions: [{ drug: 'warfarin', startDate: '2025-01-06' }], flags: { ben: true, inrTarget: 3.5, pregnancyPossible: true } });
    const flags = fieldsOf(patientView(header, state, [], [], '2026-11-20', new Date('2026-11-20T12:00:00Z'))).find((f) => f.label === 'Clinical flags');
    expect(flags?.value).toBe('benign ethnic neutropenia (clozapine BEN ranges); INR target 3.5 (range 3.0–4.0); could become pregnant (valproate Pregnancy Prevention Programme)');
  });

  it('has no flags field when none are recorded', () => {
    const state = patient({ asOf: '2026-11-20', prescriptions: [{ drug: 'lithium', startDate: '2025-01-06' }] });
    expect(fieldsOf(patientView(header, state, [], [], '2026-11-20', new Date('2026-11-20T12:00:00Z'))).map((f) => f.label)).toEqual(['Team', 'GP practice', 'Medicines']);
  });
});
