/**
 * What a person is told after recording a result, a missed appointment or a discharge: what was
 * recorded, how it was rated, and the actions the loop opened because of it (each claimable).
 */
import { actionRef } from '../domain/actions/kinds.js';
import type { CreatedAction } from '../domain/actions/records.js';
import type { Rating } from '../domain/results.js';
import { KIND_LABEL, patientLabel } from './action-views.js';
import type { MessageView, ViewBlock } from './model.js';
import { RATING_LABEL, ratingTone } from './ratings.js';

export interface RecordedPatient {
  patientRef: string;
  displayLabel: string;
}

function recordedView(title: string, summary: string, created: readonly CreatedAction[], duplicate: boolean, tone: MessageView['tone']): MessageView {
  const opened = created.map((c) => `${actionRef(c.id)} ${KIND_LABEL[c.kind]} (${c.priority})`);
  const text = duplicate ? `${summary} This was already recorded, so nothing changed.` : summary;
  const blocks: ViewBlock[] = [{ kind: 'text', text }];
  if (opened.length) {
    blocks.push({ kind: 'list', items: created.map((c, i) => ({ text: opened[i]!, buttons: [{ label: 'Claim', command: 'claim', fields: { actionId: c.id }, style: 'primary' as const }] })) });
  }
  return { title, fallbackText: `${text}${opened.length ? ` Opened: ${opened.join(', ')}.` : ''}`, blocks, tone };
}

export function resultRecordedView(patient: RecordedPatient, result: { test: string; value: string | number; unit?: string; takenOn: string },
  evaluation: { flag: Rating; reason: string } | undefined, created: readonly CreatedAction[], duplicate: boolean): MessageView {
  const rating = evaluation ? `${RATING_LABEL[evaluation.flag]}: ${evaluation.reason}` : 'recorded';
  const tone = ratingTone(evaluation?.flag);
  const summary = `${result.test} ${result.value}${result.unit ? ` ${result.unit}` : ''} on ${result.takenOn}: ${rating}.`;
  return recordedView(`Result for ${patientLabel(patient.patientRef, patient.displayLabel)}`, summary, created, duplicate, tone);
}

export function dnaRecordedView(patient: RecordedPatient, test: string, missedOn: string, created: readonly CreatedAction[], duplicate: boolean): MessageView {
  return recordedView(`Missed appointment for ${patientLabel(patient.patientRef, patient.displayLabel)}`,
    `${test} appointment missed on ${missedOn}. Contact the patient today and offer reasonable adjustments.`, created, duplicate, 'warning');
}

export function dischargeRecordedView(patient: RecordedPatient, dischargedOn: string, reconciliationHours: number, created: readonly CreatedAction[], duplicate: boolean): MessageView {
  return recordedView(`Discharge for ${patientLabel(patient.patientRef, patient.displayLabel)}`,
    `Discharged on ${dischargedOn}. Reconcile the medicines list within ${reconciliationHours} hours.`, created, duplicate, 'warning');
}
