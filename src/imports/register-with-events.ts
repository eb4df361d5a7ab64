/**
 * `closedloop import register FILE --events FILE2`: a team's register and its history in one go
 * (issue 9 §6, onboarding). Both files are checked completely first, the events against the
 * register's patients as the file states them (they are not stored yet); if either has a problem
 * nothing is written and the problems of both are reported, so one round of corrections fixes
 * both. Then both are written in ONE transaction, and the caller runs one sync over the result.
 *
 * Imported separately, the register's own sync would first raise an overdue action for every
 * test the events then show as done, and the events' sync would close them again: two syncs,
 * each writing thousands of actions and audit events that nobody ever sees.
 */
import path from 'node:path';
import type { Database } from '../db/database.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { afterBulkLoad } from './after-bulk-load.js';
import { checkEvents, EventsFileChangedError, fileChangedFailure, writeCheckedEvents } from './events-import.js';
import type { EventsImportSummary, ImportFailure, ImportProgress, RegisterImportSummary } from './problems.js';
import { checkRegister, registerRowsWritten, writeCheckedRegister } from './register-import.js';

export interface RegisterWithEventsOptions {
  ruleSet: RuleSet;
  /** Today's date (YYYY-MM-DD): dates of birth and events after it are refused. */
  today: string;
  /** Progress of each file, counted in its own rows, as when each is imported alone. */
  onRegisterProgress?: ImportProgress;
  onEventsProgress?: ImportProgress;
  /** Rows per statement (default 20,000). */
  batchSize?: number;
  /** Problems listed per file before the rest are only counted (default 100,000). */
  maxProblems?: number;
  /** Vacuum and analyse after writing at least this many rows in all (default 10,000): see after-bulk-load.ts. */
  analyzeAfterRows?: number;
}

/** One refused file and why. */
export interface FileFailure {
  /** The file's name as shown in reports (its base name). */
  file: string;
  failure: ImportFailure;
}

export type RegisterWithEventsResult =
  | { ok: true; register: RegisterImportSummary; events: EventsImportSummary }
  /** `unchecked`: files not checked at all, because a file they depend on could not be read. */
  | { ok: false; failures: FileFailure[]; unchecked: string[] };

export async function importRegisterWithEvents(db: Database, registerPath: string, eventsPath: string, options: RegisterWithEventsOptions):
  Promise<RegisterWithEventsResult> {
  const written = await checkAndWrite(db, registerPath, eventsPath, options);
  if (!written.ok) return written;
  // The checked files are unreachable here, so afterBulkLoad's garbage collection frees the
  // register's plan before the sync (collect-garbage.ts).
  await afterBulkLoad(db, registerRowsWritten(written.register) + written.events.inserted, options.analyzeAfterRows);
  return written;
}

/** Checks both files and writes them in one transaction; the checked files live only as long as this call. */
async function checkAndWrite(db: Database, registerPath: string, eventsPath: string, options: RegisterWithEventsOptions):
  Promise<RegisterWithEventsResult> {
  const common = { today: options.today, batchSize: options.batchSize, maxProblems: options.maxProblems };
  const registerLabel = path.basename(registerPath);
  const eventsLabel = path.basename(eventsPath);
  const register = await checkRegister(registerPath, { ...common, ruleSet: options.ruleSet, onProgress: options.onRegisterProgress });
  // A register that could not be read at all names no patients: checked against it, every events
  // row would be reported as "not in the register", which would bury the one real problem.
  if (!register.result.ok && register.result.code !== 'IMPORT.INVALID_ROWS') {
    return { ok: false, failures: [{ file: registerLabel, failure: register.result }], unchecked: [eventsLabel] };
  }
  const events = await checkEvents(db, eventsPath, {
    ...common, baselineWindowDays: options.ruleSet.baselineWindowDays, onProgress: options.onEventsProgress, registerPatients: register.patients,
  });
  if (!register.result.ok || !events.ok) {
    const failures: FileFailure[] = [];
    if (!register.result.ok) failures.push({ file: registerLabel, failure: register.result });
    if (!events.ok) failures.push({ file: eventsLabel, failure: events });
    return { ok: false, failures, unchecked: [] };
  }

  const checkedRegister = register.result.checked;
  const checkedEvents = events.checked;
  try {
    const written = await db.transaction(async (tx) => {
      const registerSummary = await writeCheckedRegister(tx, checkedRegister, options.onRegisterProgress);
      const inserted = await writeCheckedEvents(tx, checkedEvents);
      return { registerSummary, inserted };
    });
    const { rows } = checkedEvents;
    return {
      ok: true,
      register: { kind: 'register', ...written.registerSummary },
      events: { kind: 'events', rows, inserted: written.inserted, alreadyPresent: rows - written.inserted },
    };
  } catch (err) {
    // The register was written in the same transaction, so it rolled back with the events.
    if (err instanceof EventsFileChangedError) return { ok: false, failures: [{ file: eventsLabel, failure: fileChangedFailure(eventsLabel) }], unchecked: [] };
    throw err;
  }
}
