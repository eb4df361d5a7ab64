/**
 * result, dna and discharge: record what happened to a patient, and reply with what the loop
 * opened because of it (a result review, a DNA follow-up, a reconciliation).
 */
import { todayIn } from '../../domain/dates.js';
import { actionRef } from '../../domain/actions/kinds.js';
import type { CreatedAction } from '../../domain/actions/records.js';
import { mayInTeam } from '../../domain/actions/permissions.js';
import { fail } from '../../domain/outcome.js';
import { KIND_LABEL, patientLabel } from '../../views/action-views.js';
import type { MessageView, ViewBlock } from '../../views/model.js';
import type { Command } from '../grammar.js';
import type { RecordContext } from '../ports.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';
import { findPatientInTeams } from './view-commands.js';

type RecordCommand = Extract<Command, { name: 'result' | 'dna' | 'discharge' }>;

function recordedView(title: string, summary: string, created: CreatedAction[], duplicate: boolean, tone: MessageView['tone']): MessageView {
  const opened = created.map((c) => `${actionRef(c.id)} ${KIND_LABEL[c.kind]} (${c.priority})`);
  const text = duplicate ? `${summary} This was already recorded, so nothing changed.` : summary;
  const blocks: ViewBlock[] = [{ kind: 'text', text }];
  if (opened.length) blocks.push({ kind: 'list', items: created.map((c, i) => ({ text: opened[i]!, buttons: [{ label: 'Claim', command: 'claim', fields: { actionId: c.id }, style: 'primary' as const }] })) });
  return { title, fallbackText: `${text}${opened.length ? ` Opened: ${opened.join(', ')}.` : ''}`, blocks, tone };
}

export async function runRecord(ctx: CommandContext, command: RecordCommand): Promise<Reply> {
  if (!mayInTeam(ctx.member.roles, 'record_event')) {
    return refused(fail('AUTH.FORBIDDEN', 'Recording results, missed appointments and discharges is for clinical staff. Ask a clinician in your team.'));
  }
  const found = await findPatientInTeams(ctx, command.patientRef);
  if (!found.ok) return refused(found);
  const patient = found.value;
  const today = todayIn(patient.timeZone, ctx.now);
  const { stores: { records }, ruleSet, workflow } = ctx.deps;
  const context: RecordContext = { actor: { ...ctx.auditActor, staffId: ctx.member.staffId, postTo: ctx.postTo }, now: ctx.now, ruleSet, workflow };
  const who = patientLabel(patient.patientRef, patient.displayLabel);

  if (command.name === 'result') {
    const recorded = await records.result({ patientRef: patient.patientRef, test: command.test, value: command.value, unit: command.unit, takenOn: command.date ?? today }, context);
    if (!recorded.ok) return refused(recorded);
    const { evaluation, created, duplicate } = recorded.value;
    const flag = evaluation ? `${evaluation.flag.toUpperCase()}: ${evaluation.reason}` : 'recorded';
    const tone = evaluation?.flag === 'red' ? 'urgent' : evaluation?.flag === 'amber' ? 'warning' : 'success';
    return replied(recordedView(`Result for ${who}`, `${command.test} ${command.value}${command.unit ? ` ${command.unit}` : ''} on ${command.date ?? today}: ${flag}.`, created, duplicate, tone));
  }
  if (command.name === 'dna') {
    const recorded = await records.dna({ patientRef: patient.patientRef, test: command.test, takenOn: today, reason: command.reason }, context);
    if (!recorded.ok) return refused(recorded);
    const { created, duplicate } = recorded.value;
    return replied(recordedView(`Missed appointment for ${who}`, `${command.test} appointment missed on ${today}. Contact the patient today and offer reasonable adjustments.`, created, duplicate, 'warning'));
  }
  const recorded = await records.discharge({ patientRef: patient.patientRef, dischargedOn: command.date ?? today }, context);
  if (!recorded.ok) return refused(recorded);
  const { created, duplicate } = recorded.value;
  return replied(recordedView(`Discharge for ${who}`, `Discharged on ${command.date ?? today}. Reconcile the medicines list within ${workflow.reconciliationHours} hours.`, created, duplicate, 'warning'));
}
