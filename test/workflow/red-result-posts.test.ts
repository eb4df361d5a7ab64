/**
 * Issue 9 §4 on each engine: a red result is posted to the team's channel at once through the
 * outbox, not at the next digest. Its review's card is queued for every MDT channel of the
 * patient's team (not its managers' channel, not another team's), in the transaction that creates
 * the review, whether the result came from an import or was recorded in chat, and once per
 * channel. Red results older than the look-back that an import raises wait for the digest, so a
 * first import does not flood the channel (issue 9 §6).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { importEvents } from '../../src/imports/events-import.js';
import { recordResult, type RecordActor } from '../../src/workflow/record-events.js';
import { syncActions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addPatient, addStaff, AS_OF, bindChannel, NOW, postsOf, systemActor, teamOf } from './support.js';

const rules = defaultRules();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-red-posts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const lithium = [{ drug: 'lithium', startDate: '2020-01-01' }];

/** Both MDT channels of the team, on each platform; its managers' channel and a console binding must get nothing. */
const MDT = [{ platform: 'slack', channelId: 'C-MDT' }, { platform: 'teams', channelId: '19:mdt@thread.tacv2' }];

describeEachEngine('red results posted at once', (getDb, engine) => {
  const ids = { recent: '', old: '', amber: '', other: '' };
  let teamId = '';
  const sync = (patientIds: string[]) => syncActions(getDb(), rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds });

  beforeAll(async () => {
    const db = getDb();
    // Three patients in one (still onboarding) team, so the posts are not the onboarding hold's business.
    ids.recent = await addPatient(db, `RED-1-${engine}`, lithium, { onboarding: true });
    teamId = await teamOf(db, ids.recent);
    for (const key of ['old', 'amber'] as const) {
      ids[key] = await addPatient(db, `RED-${key}-${engine}`, lithium, { onboarding: true });
      await db.execute(sql`UPDATE patients SET team_id = ${teamId}::uuid WHERE id = ${ids[key]}::uuid`);
    }
    ids.other = await addPatient(db, `RED-OTHER-${engine}`, lithium);
    for (const c of MDT) await bindChannel(db, teamId, c.platform as 'slack' | 'teams', c.channelId);
    await bindChannel(db, teamId, 'slack', 'C-MANAGERS', 'managers');
    await bindChannel(db, teamId, 'console', 'console-room');
    await bindChannel(db, await teamOf(db, ids.other), 'slack', 'C-OTHER-TEAM');

    const file = path.join(dir, `events-${engine}.csv`);
    fs.writeFileSync(file, ['patient_ref,test,outcome,value,unit,taken_on',
      `RED-1-${engine},lithium_level,result,1.7,mmol/L,2026-11-20`,
      // Red, and still the latest lithium level, but taken long before the 14-day look-back.
      `RED-old-${engine},lithium_level,result,1.6,mmol/L,2026-03-02`,
      `RED-amber-${engine},lithium_level,result,1.1,mmol/L,2026-11-20`,
      ''].join('\n'));
    const imported = await importEvents(db, file, { today: AS_OF });
    expect(imported.ok).toBe(true);
  });

  it('a red result imported within the look-back queues exactly one post per MDT channel, none for the managers\' channel', async () => {
    const db = getDb();
    const summary = await sync([ids.recent, ids.old, ids.amber, ids.other]);
    const actions = await actionsOf(db, [ids.recent]);
    const review = actions.find((a) => a.kind === 'result_review');
    expect(review?.priority).toBe('red');
    expect(actions.find((a) => a.kind === 'escalation')?.assigned_role).toBe('prescriber');
    expect(await postsOf(db, [review!.id])).toEqual(MDT.map((c) => ({ actionId: review!.id, ...c })));
    expect(summary.posted).toBe(2);
  });

  it('posts only the review: not its escalation, an old red result (left to the digest) or an amber result', async () => {
    const db = getDb();
    const escalation = (await actionsOf(db, [ids.recent])).find((a) => a.kind === 'escalation')!;
    const old = await actionsOf(db, [ids.old]);
    expect(old.map((a) => [a.kind, a.priority])).toContainEqual(['result_review', 'red']);
    const amber = await actionsOf(db, [ids.amber]);
    expect(amber.map((a) => [a.kind, a.priority])).toContainEqual(['result_review', 'amber']);
    expect(await postsOf(db, [escalation.id, ...old.map((a) => a.id), ...amber.map((a) => a.id)])).toEqual([]);
  });

  it('a second sync queues nothing more', async () => {
    const db = getDb();
    const summary = await sync([ids.recent, ids.old, ids.amber]);
    expect(summary).toMatchObject({ createdTotal: 0, posted: 0 });
    const review = (await actionsOf(db, [ids.recent])).find((a) => a.kind === 'result_review')!;
    expect(await postsOf(db, [review.id])).toHaveLength(2);
  });

  it('a red result recorded in chat in a bound channel is not posted twice there, and reaches the team\'s other channel', async () => {
    const db = getDb();
    const staffId = await addStaff(db, `red-posts-${engine}@example.nhs.uk`);
    const actor: RecordActor = { ...systemActor(), id: staffId, name: 'Test Pharmacist', identity: 'slack:T-TEST:U1', via: 'slack', channel: 'slack:C-MDT',
      staffId, postTo: { platform: 'slack', tenant: 'T-TEST', channelId: 'C-MDT' } };
    const recorded = await recordResult(db, rules, { patientRef: `RED-1-${engine}`, test: 'lithium_level', value: 1.8, unit: 'mmol/L', takenOn: AS_OF },
      actor, NOW, defaultWorkflowConfig);
    expect(recorded.ok).toBe(true);
    if (!recorded.ok) return;
    const review = recorded.value.created.find((c) => c.kind === 'result_review')!;
    const escalation = recorded.value.created.find((c) => c.kind === 'escalation')!;
    expect(review.priority).toBe('red');
    expect(await postsOf(db, [review.id])).toEqual(MDT.map((c) => ({ actionId: review.id, ...c })));
    // The channel it was recorded in shows what the recording opened, as before; the other channel only the review.
    expect(await postsOf(db, [escalation.id])).toEqual([{ actionId: escalation.id, platform: 'slack', channelId: 'C-MDT' }]);
  });

  it('recorded in the managers\' channel: the review still goes to each MDT channel once, and is shown where it was recorded', async () => {
    const db = getDb();
    const staffId = await addStaff(db, `red-posts-managers-${engine}@example.nhs.uk`);
    const actor: RecordActor = { ...systemActor(), id: staffId, name: 'Test Pharmacist', identity: 'slack:T-TEST:U2', via: 'slack', channel: 'slack:C-MANAGERS',
      staffId, postTo: { platform: 'slack', tenant: 'T-TEST', channelId: 'C-MANAGERS' } };
    const recorded = await recordResult(db, rules, { patientRef: `RED-amber-${engine}`, test: 'lithium_level', value: 1.9, unit: 'mmol/L', takenOn: AS_OF },
      actor, NOW, defaultWorkflowConfig);
    expect(recorded.ok).toBe(true);
    if (!recorded.ok) return;
    const review = recorded.value.created.find((c) => c.kind === 'result_review')!;
    expect(await postsOf(db, [review.id])).toEqual([...MDT, { platform: 'slack', channelId: 'C-MANAGERS' }].map((c) => ({ actionId: review.id, ...c })));
  });
});
