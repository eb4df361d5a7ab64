/**
 * result, dna and discharge: record what happened to a patient, and reply with what the loop
 * opened because of it (a result review, a DNA follow-up, a reconciliation).
 */
import { todayIn } from '../../domain/dates.js';
import { mayInTeam } from '../../domain/actions/permissions.js';
import { fail } from '../../domain/outcome.js';
import { dischargeRecordedView, dnaRecordedView, resultRecordedView } from '../../views/record-views.js';
import type { Command } from '../grammar.js';
import type { RecordContext } from '../ports.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';
import { findPatientInTeams } from './view-commands.js';

type RecordCommand = Extract<Command, { name: 'result' | 'dna' | 'discharge' }>;

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

  if (command.name === 'result') {
    const recorded = await records.result({ patientRef: patient.patientRef, test: command.test, value: command.value, unit: command.unit, takenOn: command.date ?? today }, context);
    if (!recorded.ok) return refused(recorded);
    const { evaluation, created, duplicate } = recorded.value;
    return replied(resultRecordedView(patient, { test: command.test, value: command.value, unit: command.unit, takenOn: command.date ?? today }, evaluation, created, duplicate));
  }
  if (command.name === 'dna') {
    const recorded = await records.dna({ patientRef: patient.patientRef, test: command.test, takenOn: today, reason: command.reason }, context);
    if (!recorded.ok) return refused(recorded);
    const { created, duplicate } = recorded.value;
    return replied(dnaRecordedView(patient, command.test, today, created, duplicate));
  }
  const recorded = await records.discharge({ patientRef: patient.patientRef, dischargedOn: command.date ?? today }, context);
  if (!recorded.ok) return refused(recorded);
  const { created, duplicate } = recorded.value;
  return replied(dischargeRecordedView(patient, command.date ?? today, workflow.reconciliationHours, created, duplicate));
}
