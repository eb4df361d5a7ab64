/**
 * The logger (pino underneath): one JSON line per call, and redaction enforced by the logger
 * rather than left to each caller: an allow-list of field names and shapes, and errors described
 * by class, codes and frames, database errors by SQLSTATE, table and constraint only.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { describeError, REDACTED, safeFields } from '../../src/logging/redact.js';
import { createTestDatabase } from '../support/databases.js';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, (line) => lines.push(line));
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes one JSON line per call: level, time, fields, event; below the level nothing', () => {
    const { logger, lines, parsed } = capture('info');
    logger.debug('not_shown');
    logger.info('outbox_delivered', { outboxId: 7, platform: 'slack', kind: 'post', attempts: 1 });
    logger.warn('outbox_dead', { outboxId: 8, error: 'channel_not_found' });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(parsed()[0]).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), outboxId: 7, platform: 'slack', kind: 'post', attempts: 1, event: 'outbox_delivered' });
    expect(parsed()[1]).toMatchObject({ level: 'warn', event: 'outbox_dead', error: 'channel_not_found' });
  });

  it('drops fields that are not on the allow-list, naming them, and never their values', () => {
    const { logger, lines, parsed } = capture();
    logger.info('result_recorded', { patientRef: 'DEMO-001', value: 1.7, note: undefined, via: 'slack' } as never);
    expect(lines.join()).not.toMatch(/DEMO-001|1\.7/);
    expect(parsed()[0]).toMatchObject({ via: 'slack', dropped: 'patientRef,value' });
  });

  it('a token field holding free text is redacted; a text field is cut to one line and withholds database text', () => {
    expect(safeFields({ error: 'Failed query: insert into audit_events … params: DEMO-001,rang at home' })).toEqual({ error: REDACTED });
    expect(safeFields({ error: 'service_unavailable', tenant: 'a1b2-c3', correlationId: '6f1c2a7e-3b4d' }))
      .toEqual({ error: 'service_unavailable', tenant: 'a1b2-c3', correlationId: '6f1c2a7e-3b4d' });
    expect(safeFields({ msg: 'Using PostgreSQL at 127.0.0.1:5432/closedloop\nsecond line' })).toEqual({ msg: 'Using PostgreSQL at 127.0.0.1:5432/closedloop' });
    expect(safeFields({ msg: 'duplicate key value violates unique constraint "x" Key (patient_ref)=(DEMO-001)' })).toEqual({ msg: REDACTED });
    expect(safeFields({ message: `x${'y'.repeat(400)}` }).message).toHaveLength(201);
    expect(safeFields({ note: 'line\u001b[2Jcleared \u202Eevil' })).toEqual({ note: 'line [2Jcleared  evil' });
    expect(safeFields({ time: 'forged', level: 'forged', event: 'forged' })).toEqual({ dropped: 'time,level,event' });
  });

  it('child() binds fields, such as a request\'s correlation id, to every line', () => {
    const { logger, parsed } = capture();
    const request = logger.child({ correlationId: 'c0ffee-42', via: 'teams' });
    request.warn('receipt_save_failed', { error: '40001' });
    const ref = request.unexpected(new Error('boom'));
    expect(parsed()[0]).toMatchObject({ correlationId: 'c0ffee-42', via: 'teams', event: 'receipt_save_failed', error: '40001' });
    expect(parsed()[1]).toMatchObject({ correlationId: 'c0ffee-42', event: 'unexpected_error', ref });
  });

  it('unexpected() returns a fresh reference and logs the error\'s class, code and frames', () => {
    const { logger, parsed } = capture('error');
    const ref = logger.unexpected(Object.assign(new TypeError('x.map is not a function'), { code: 'E_TEST' }), { command: 'import' });
    expect(ref).toMatch(/^ERR-[0-9A-F]{8}$/);
    expect(parsed()[0]).toMatchObject({ level: 'error', event: 'unexpected_error', ref, command: 'import', error: 'TypeError', code: 'E_TEST', message: 'x.map is not a function' });
    expect(String(parsed()[0]!.stack)).toMatch(/^at /);
  });

  it('quoted input in an error message is masked (V8 quotes what JSON.parse choked on)', () => {
    let err: unknown;
    try {
      JSON.parse('DEMO-001 lithium 1.7');
    } catch (e) {
      err = e;
    }
    const described = describeError(err);
    expect(described).toMatchObject({ error: 'SyntaxError' });
    expect(JSON.stringify(described)).not.toMatch(/DEMO-001|lithium|1\.7/);
  });

  it('a database error is logged by SQLSTATE, severity, table and constraint: no message, detail, query or parameters', async () => {
    const testDb = await createTestDatabase('pglite');
    try {
      await testDb.db.execute(sql`CREATE TABLE t_logged (ref text CONSTRAINT t_logged_ref_uq UNIQUE)`);
      await testDb.db.execute(sql`INSERT INTO t_logged VALUES (${'DEMO-001'})`);
      let err: unknown;
      try {
        await testDb.db.execute(sql`INSERT INTO t_logged VALUES (${'DEMO-001'})`);
      } catch (e) {
        err = e;
      }
      expect(String((err as Error).message)).toContain('DEMO-001'); // what drizzle's wrapper would have printed
      const { logger, lines, parsed } = capture();
      logger.unexpected(err, { command: 'test' });
      expect(lines.join()).not.toMatch(/DEMO-001|Failed query|params|t_logged VALUES/i);
      expect(parsed()[0]).toMatchObject({ sqlstate: '23505', severity: 'ERROR', table: 't_logged', constraint: 't_logged_ref_uq', schema: 'public' });
      expect(parsed()[0]).not.toHaveProperty('message');
    } finally {
      await testDb.close();
    }
  });

  it('an error wrapping a database error keeps its own message out too', () => {
    const server = Object.assign(new Error('value "DEMO-001" too long'), { code: '22001', severity: 'ERROR', table_name: 'patients', column_name: 'patient_ref' });
    const wrapped = new Error(`Applying migrations failed: ${server.message}`, { cause: server });
    const described = describeError(wrapped);
    expect(JSON.stringify(described)).not.toContain('DEMO-001');
    expect(described).toMatchObject({ error: 'Error', code: '22001', cause: 'Error', sqlstate: '22001', table: 'patients', column: 'patient_ref' });
  });
});
