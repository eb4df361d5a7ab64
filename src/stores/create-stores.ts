/**
 * The command core's ports on PostgreSQL (or PGlite): the SQL behind each port lives here or in
 * the data-access modules these wrap (src/workflow, src/staff, src/audit, src/register).
 */
import type { ActionStore, AuditReader, RecordStore, RegisterReader, Stores } from '../app/ports.js';
import { auditTimeline } from '../audit/timeline.js';
import type { Database } from '../db/database.js';
import { loadPatientStates } from '../register/register-state.js';
import { listActions, loadAction, patientActions } from '../workflow/action-store.js';
import { recordDischarge, recordDna, recordResult } from '../workflow/record-events.js';
import { changeAction } from './action-changes.js';
import { sqlChannels } from './channels.js';
import { sqlPatients, sqlStaff } from './people.js';
import { sqlReceipts } from './receipts.js';
import { sqlReports, type ReportStoreOptions } from './reports.js';

function sqlActions(db: Database): ActionStore {
  return {
    load: (id) => loadAction(db, id),
    list: (query) => listActions(db, query),
    openForPatient: (patientId) => patientActions(db, patientId),
    change: (id, decide, context) => changeAction(db, id, decide, context),
  };
}

function sqlRecords(db: Database): RecordStore {
  return {
    result: (input, { actor, now, ruleSet, workflow }) => recordResult(db, ruleSet, input, actor, now, workflow),
    dna: (input, { actor, now, ruleSet, workflow }) => recordDna(db, ruleSet, input, actor, now, workflow),
    discharge: (input, { actor, now, ruleSet, workflow }) => recordDischarge(db, ruleSet, input, actor, now, workflow),
  };
}

function sqlAudit(db: Database): AuditReader {
  return { timeline: (filter) => auditTimeline(db, filter) };
}

function sqlRegister(db: Database): RegisterReader {
  return {
    async patientState(patientId, asOf, ruleSet) {
      const [state] = await loadPatientStates(db, { patientIds: [patientId], asOf }, ruleSet);
      return state ?? null;
    },
  };
}

export type StoreOptions = ReportStoreOptions;

export function createStores(db: Database, options: StoreOptions = {}): Stores {
  return {
    actions: sqlActions(db),
    receipts: sqlReceipts(db),
    channels: sqlChannels(db),
    staff: sqlStaff(db),
    patients: sqlPatients(db),
    records: sqlRecords(db),
    audit: sqlAudit(db),
    register: sqlRegister(db),
    reports: sqlReports(db, options),
  };
}
