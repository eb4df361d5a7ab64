/**
 * `closedloop digest run` (issue 9 §5): the scheduler's own path, so a second run says it already
 * ran and queues nothing, --force re-posts (audited), --print writes the digest as text and queues
 * nothing, and a team with no channel for the digest is told so. Three processes started at once
 * on one PostgreSQL database queue it once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOn } from '../support/cli.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { addAction, addPatient, addTeam, auditOf, bindChannel, selectRows, type TestTeam } from '../digests/support.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe.each(engines)('closedloop digest run [%s]', (engine) => {
  let testDb: TestDatabase;
  let team: TestTeam;
  let channelId: string;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: NOW });
  const count = async (table: 'digest_runs' | 'outbox') =>
    Number((await selectRows(testDb.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`))[0]!.n);

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    team = await addTeam(testDb.db, { name: 'Fictional CLI CMHT' });
    channelId = (await bindChannel(testDb.db, team.id)).channelId;
    const patient = await addPatient(testDb.db, team.id);
    await addAction(testDb.db, team.id, patient.id, { createdAt: new Date('2026-11-20T09:00:00Z') });
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('--print writes the digest as text and queues nothing', async () => {
    const printed = await run('digest', 'run', '--team', team.name, '--print');
    expect(printed).toMatchObject({ code: 0, err: '' });
    expect(printed.out).toMatch(/^Daily digest · Fictional CLI CMHT · Mon 23 Nov/);
    expect(printed.out).toMatch(/1 overdue test/);
    expect(await count('digest_runs')).toBe(0);
    expect(await count('outbox')).toBe(0);
  });

  it('queues the digest once, then says it already ran', async () => {
    const first = await run('digest', 'run', '--team', team.name);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`Queued the daily digest for Fictional CLI CMHT \\(2026-11-23\\) to slack T-DIGEST/${channelId} \\(run \\d+, summarised`));
    expect(first.out).toMatch(/wait in the outbox until it starts/);
    const second = await run('digest', 'run', '--team', team.name);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/already ran .* nothing queued\. Add --force to post it again\./);
    expect(await count('digest_runs')).toBe(1);
    expect(await count('outbox')).toBe(1);
    expect(await auditOf(testDb.db, 'digest.queued')).toEqual([expect.objectContaining({ via: 'cli' })]);
  });

  it('--force posts it again, audited as a re-post', async () => {
    const forced = await run('digest', 'run', '--team', team.name, '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/a re-post, audited as digest\.reposted/);
    expect(await count('outbox')).toBe(2);
    expect(await auditOf(testDb.db, 'digest.reposted')).toEqual([expect.objectContaining({ via: 'cli', entity_type: 'digest_run' })]);
  });

  it('says a team has no managers\' channel for its weekly digest, and exits 1', async () => {
    const weekly = await run('digest', 'run', '--team', team.name, '--kind', 'weekly');
    expect(weekly.code).toBe(1);
    expect(weekly.err).toMatch(/Fictional CLI CMHT has no managers' channel, so its weekly digest has nowhere to go: an admin types "bind Fictional CLI CMHT managers"/);
  });

  it('prints the weekly digest of the week before', async () => {
    const printed = await run('digest', 'run', '--team', team.name, '--kind', 'weekly', '--print');
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/16–22 Nov 2026/);
  });

  it.each([
    [['digest'], 2, /Usage: closedloop digest run/],
    [['digest', 'run', '--kind', 'hourly'], 2, /--kind: use daily, weekly or monthly/],
    [['digest', 'run', '--as-of', '2026-02-30'], 2, /--as-of: use a real date/],
    [['digest', 'run', '--print', '--force'], 2, /give one of them/],
    [['digest', 'run', '--team', 'Nobody CMHT'], 1, /No team is called "Nobody CMHT"/],
    [['digest', 'run', '--team', 'Fictional CLI CMHT', '--as-of', '2026-11-30'], 1, /in the future/],
  ] as const)('%j exits %i', async (argv, code, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('three `digest run` processes at once [postgres]', () => {
  let testDb: TestDatabase;
  let team: TestTeam;
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    team = await addTeam(testDb.db, { name: 'Fictional Race CMHT' });
    await bindChannel(testDb.db, team.id);
  }, 60_000);
  afterAll(async () => {
    await testDb?.close();
  });

  function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_|TEST_DATABASE_URL|DATA_DIR|LOG_LEVEL)/.test(name)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: repoRoot, env: { ...inherited, DATABASE_URL: testDb.url!, DEMO_DATA: 'false', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  }

  it('queue the digest once: one says it queued it, two that it already ran', async () => {
    const results = await Promise.all([1, 2, 3].map(() => cli(['digest', 'run', '--team', team.name])));
    for (const r of results) expect(r.code, r.err).toBe(0);
    expect(results.filter((r) => /Queued the daily digest/.test(r.out))).toHaveLength(1);
    expect(results.filter((r) => /already ran/.test(r.out))).toHaveLength(2);
    expect(await selectRows(testDb.db, sql`SELECT id FROM digest_runs WHERE team_id = ${team.id}::uuid`)).toHaveLength(1);
    expect(await selectRows(testDb.db, sql`SELECT id FROM outbox`)).toHaveLength(1);
  }, 120_000);
});
