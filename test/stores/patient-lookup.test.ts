/**
 * Finding a patient by the reference typed in chat (HAZ-003, the wrong patient matched), on each
 * engine. The register's unique key is case-sensitive, so two references may differ only in case:
 * the exact reference wins, and a different case is accepted only when exactly one patient matches.
 */
import { expect, it } from 'vitest';
import { patients, teams } from '../../src/db/schema.js';
import { createStores } from '../../src/stores/create-stores.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('finding a patient by reference', (getDb) => {
  it('takes the exact reference, a unique case-insensitive match, and never guesses between two', async () => {
    const db = getDb();
    const [team] = await db.insert(teams).values({ name: 'Lookup CMHT' }).returning();
    const teamIds = [team!.id];
    await db.insert(patients).values(['CASE-001', 'case-001', 'ONLY-7'].map((ref) => ({
      patientRef: ref, displayLabel: `Fictional ${ref}`, teamId: team!.id, gpPractice: 'Elm Surgery',
    })));
    const { patients: store } = createStores(db);
    expect((await store.findInTeams('CASE-001', teamIds))?.patientRef).toBe('CASE-001');
    expect((await store.findInTeams('case-001', teamIds))?.patientRef).toBe('case-001');
    // Neither exactly: two patients match ignoring case, so neither is chosen.
    expect(await store.findInTeams('Case-001', teamIds)).toBeNull();
    // One patient ignoring case: found, as people type references in any case.
    expect((await store.findInTeams('only-7', teamIds))?.patientRef).toBe('ONLY-7');
    // Another team's patient stays unseen.
    expect(await store.findInTeams('ONLY-7', ['00000000-0000-4000-8000-000000000000'])).toBeNull();
  });
});
