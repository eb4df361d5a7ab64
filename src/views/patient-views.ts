/**
 * The patient card: medicines in use, tests due or overdue with who holds each, and open actions.
 * Pseudonymous reference and display label only; never a date of birth.
 */
import type { ActionRecord } from '../domain/actions/records.js';
import { describeClinicalFlags } from '../domain/clinical-attributes.js';
import type { IsoDate } from '../domain/dates.js';
import type { DueItem } from '../domain/due.js';
import type { PatientState } from '../domain/register.js';
import { actionList, patientLabel } from './action-views.js';
import type { MessageView, ViewBlock } from './model.js';

export interface PatientHeader {
  patientRef: string;
  displayLabel: string;
  teamName: string;
  gpPractice: string;
}

function describeDueItem(d: DueItem): string {
  const holder = d.responsible
    ? `held by ${d.responsible.name ?? d.responsible.org.replace(/_/g, ' ')}${d.responsible.staff ? ` (${d.responsible.staff})` : ''}`
    : 'nobody responsible recorded';
  return `${d.test} (${d.drug}): ${d.status.replace(/_/g, ' ')}${d.dueOn ? `, due ${d.dueOn}` : ''}; ${holder}`;
}

export function patientView(patient: PatientHeader, state: PatientState | null, due: readonly DueItem[], open: ActionRecord[], asOf: IsoDate, now: Date): MessageView {
  const medicines = (state?.prescriptions ?? []).filter((p) => p.stoppedOn === null || p.stoppedOn > asOf)
    .map((p) => `${p.drug} since ${p.startDate}`).join(', ') || 'none active';
  const title = `Patient ${patientLabel(patient.patientRef, patient.displayLabel)}`;
  const flags = describeClinicalFlags(state?.flags);
  const blocks: ViewBlock[] = [
    { kind: 'fields', fields: [
      { label: 'Team', value: patient.teamName }, { label: 'GP practice', value: patient.gpPractice }, { label: 'Medicines', value: medicines },
      // The register's flags change which ranges and reviews apply, so the card says which are set.
      ...(flags ? [{ label: 'Clinical flags', value: flags }] : []),
    ] },
    { kind: 'text', text: due.length ? 'Tests due or overdue:' : 'No tests due or overdue.', emphasis: 'strong' },
  ];
  if (due.length) blocks.push({ kind: 'list', items: due.map((d) => ({ text: describeDueItem(d) })) });
  blocks.push({ kind: 'text', text: open.length ? 'Open actions:' : 'No open actions.', emphasis: 'strong' });
  if (open.length) blocks.push(...actionList('', open, open.length, now, '').blocks);
  return {
    title, blocks, tone: due.some((d) => d.status === 'overdue') ? 'warning' : 'info',
    fallbackText: `${title}: ${medicines}. ${due.length} test(s) due or overdue; ${open.length} open action(s).`,
  };
}
