/**
 * Signed anchors of the chain head (issue 11, item 9). Someone with table-owner rights can switch
 * the append-only triggers off, rewrite an event and recompute every later hash and the head with
 * plain SHA-256: `audit verify` alone then reports the trail intact. `audit verify --anchor FILE`,
 * against an anchor signed with AUDIT_KEY before the rewrite, fails and says why. A wrong key, an
 * edited anchor and a missing key are refused before anything is checked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditKeyId } from '../../src/audit/anchor.js';
import { canonicalContent, chainHash } from '../../src/audit/chain.js';
import { STORED_AUDIT_COLUMNS, storedContent, type StoredAuditRow } from '../../src/audit/verify.js';
import type { CliIo } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database, Queryable } from '../../src/db/database.js';
import { describeEachEngine, type EngineName } from '../support/databases.js';
import { appendMany } from './helpers.js';

const KEY = 'k'.repeat(16) + crypto.randomUUID();
const OTHER_KEY = 'o'.repeat(16) + crypto.randomUUID();
const EVENTS = 10;

async function audit(db: Database, engine: EngineName, env: Record<string, string>, ...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { interactive: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const database = { db, driver: engine, describe: `test ${engine}`, close: async () => {} };
  const code = await runCli(['audit', ...argv], { io, database, env: { DEMO_DATA: 'false', ...env }, now: () => new Date('2026-11-22T12:00:00Z') });
  return { code, out: stdout.join('\n'), err: stderr.join('\n') };
}

/**
 * The attack the anchor exists for, as a table owner would do it: triggers off, one event
 * rewritten, every later prev_hash and hash recomputed with plain SHA-256, the head moved to match.
 */
async function rehashFrom(db: Database, seq: number, rewrite: (tx: Queryable) => Promise<unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER USER`);
    await rewrite(tx);
    const rows = rowsOf<StoredAuditRow>(await tx.execute(sql`SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE seq >= ${seq - 1} ORDER BY seq`));
    let previous = rows[0]!.hash;
    for (const row of rows.slice(1)) {
      const hash = chainHash(previous, Number(row.seq), canonicalContent(storedContent(row)));
      await tx.execute(sql`UPDATE audit_events SET prev_hash = ${previous}, hash = ${hash} WHERE seq = ${Number(row.seq)}`);
      previous = hash;
    }
    const last = Number(rows.at(-1)!.seq);
    const [before] = rowsOf<{ hash: string }>(await tx.execute(sql`SELECT prev_hash AS hash FROM audit_events WHERE seq = ${last}`));
    await tx.execute(sql`UPDATE audit_chain_head SET seq = ${last}, hash = ${previous}, prev_hash = ${before!.hash} WHERE id = 1`);
    await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER USER`);
  });
}

describeEachEngine('audit anchors', (getDb, engine) => {
  let dir: string;
  let anchorFile: string;
  beforeAll(async () => {
    await appendMany(getDb(), EVENTS);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-anchor-'));
    anchorFile = path.join(dir, 'anchor.json');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('audit anchor prints a signed head to keep; verify --anchor accepts it', async () => {
    const anchored = await audit(getDb(), engine, { AUDIT_KEY: KEY }, 'anchor');
    expect(anchored.code).toBe(0);
    const anchor = JSON.parse(anchored.out) as Record<string, unknown>;
    expect(anchor).toEqual({
      format: 'closedloop-audit-anchor/1', seq: EVENTS, hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      anchoredAt: '2026-11-22T12:00:00.000Z', keyId: auditKeyId(KEY), mac: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(anchored.out).not.toContain(KEY);
    expect(anchored.err).toMatch(/Keep this anchor outside the database/);
    fs.writeFileSync(anchorFile, anchored.out);

    const checked = await audit(getDb(), engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', anchorFile);
    expect(checked).toMatchObject({
      code: 0, out: `Audit trail intact: ${EVENTS} events, chain head at seq ${EVENTS}. It matches the anchor of 2026-11-22T12:00:00.000Z at seq ${EVENTS}.`,
    });
  });

  it('an anchor checked with another AUDIT_KEY is refused as such, and nothing is checked', async () => {
    const run = await audit(getDb(), engine, { AUDIT_KEY: OTHER_KEY }, 'verify', '--anchor', anchorFile);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`cannot be trusted: it was signed with a different AUDIT_KEY (key id ${auditKeyId(KEY)}; this AUDIT_KEY's id is ${auditKeyId(OTHER_KEY)})`);
    expect(run.out).toBe('');
  });

  it.each([
    ['its seq', (a: Record<string, unknown>) => ({ ...a, seq: 3 })],
    ['its hash', (a: Record<string, unknown>) => ({ ...a, hash: 'f'.repeat(64) })],
    ['its time', (a: Record<string, unknown>) => ({ ...a, anchoredAt: '2027-01-01T00:00:00.000Z' })],
  ])('an anchor file with %s edited is refused: the signature does not match', async (_, edit) => {
    const edited = path.join(dir, 'edited.json');
    fs.writeFileSync(edited, JSON.stringify(edit(JSON.parse(fs.readFileSync(anchorFile, 'utf8')) as Record<string, unknown>)));
    const run = await audit(getDb(), engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', edited);
    expect(run.code).toBe(1);
    expect(run.err).toContain('its signature does not match its content: the anchor file was altered after it was signed');
  });

  it('an unreadable or malformed anchor, a missing or short AUDIT_KEY are refused with what to do', async () => {
    const garbage = path.join(dir, 'garbage.json');
    fs.writeFileSync(garbage, '{"format":"something else"}');
    expect((await audit(getDb(), engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', garbage)).err).toMatch(/not a valid audit anchor/);
    expect((await audit(getDb(), engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', path.join(dir, 'missing.json'))).err)
      .toMatch(/Cannot read the anchor .*ENOENT/);
    const noKey = await audit(getDb(), engine, {}, 'anchor');
    expect(noKey).toMatchObject({ code: 1, out: '' });
    expect(noKey.err).toMatch(/AUDIT_KEY is not set.*openssl rand -hex 32/s);
    const short = await audit(getDb(), engine, { AUDIT_KEY: 'too-short' }, 'verify', '--anchor', anchorFile);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/AUDIT_KEY: must be at least 32 characters/);
    expect(short.err).not.toContain('too-short');
  });

  it('a consistently re-hashed chain passes audit verify alone, and fails audit verify --anchor, naming the anchored event', async () => {
    const db = getDb();
    await rehashFrom(db, 4, (tx) => tx.execute(sql`UPDATE audit_events SET reason = 'approved by phone' WHERE seq = 4`));

    const plain = await audit(db, engine, {}, 'verify');
    expect(plain).toMatchObject({ code: 0, out: `Audit trail intact: ${EVENTS} events, chain head at seq ${EVENTS}.` });

    const anchored = await audit(db, engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', anchorFile);
    expect(anchored.code).toBe(1);
    expect(anchored.err).toMatch(new RegExp(`Audit trail BROKEN at event seq ${EVENTS} \\(id \\d+, `));
    expect(anchored.err).toContain('the chain recomputed up to this event no longer ends in the hash anchored of 2026-11-22T12:00:00.000Z: ' +
      `an event at or before seq ${EVENTS} was rewritten and every later hash recomputed`);
    expect(anchored.err).toMatch(/information governance lead/);
  });

  it('events cut off the end, with the head moved back to match, fail verify --anchor', async () => {
    const db = getDb();
    // A fresh anchor of the (re-hashed) chain as it stands, then the last two events removed.
    const anchored = await audit(db, engine, { AUDIT_KEY: KEY }, 'anchor');
    const file = path.join(dir, 'latest.json');
    fs.writeFileSync(file, anchored.out);
    await db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER USER`);
      await tx.execute(sql`DELETE FROM audit_events WHERE seq > ${EVENTS - 2}`);
      await tx.execute(sql`UPDATE audit_chain_head SET seq = ${EVENTS - 2}, hash = (SELECT hash FROM audit_events WHERE seq = ${EVENTS - 2}),
        prev_hash = (SELECT prev_hash FROM audit_events WHERE seq = ${EVENTS - 2}) WHERE id = 1`);
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER USER`);
    });
    expect((await audit(db, engine, {}, 'verify')).code).toBe(0);
    const run = await audit(db, engine, { AUDIT_KEY: KEY }, 'verify', '--anchor', file);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`the trail ends at seq ${EVENTS - 2}, but the anchor of 2026-11-22T12:00:00.000Z recorded ${EVENTS} events: ` +
      'events were deleted from the end and the chain head rewritten');
  });
});
