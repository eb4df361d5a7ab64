import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, openCsv, parseCsv, readCsvRecords, recordProblem, type CsvRecord } from '../../src/imports/csv.js';
import { formatProblems } from '../../src/imports/problems.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function collect(file: string): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(file)) out.push(record);
  return out;
}

describe('parseCsv', () => {
  it('drops a UTF-8 BOM and handles CRLF and blank trailing lines', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('unquotes commas, doubled quotes and line breaks, numbering records by their first line', () => {
    const records = parseCsv('a,b\n"x, y","he said ""hi"""\n"two\r\nlines",z\nlast,"row"');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'he said "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 5, fields: ['last', 'row'] },
    ]);
  });

  it('keeps empty fields, including an empty quoted field and a trailing empty field', () => {
    expect(parseCsv('a,"",c,\n')).toEqual([{ line: 1, fields: ['a', '', 'c', ''] }]);
  });

  it('counts skipped blank lines in the middle so line numbers match an editor', () => {
    expect(parseCsv('h\n\n1\n\n\n2\n').map((r) => r.line)).toEqual([1, 3, 6]);
  });

  it('keeps a stray quote inside an unquoted field literally', () => {
    expect(parseCsv("O\"Brien,2\n")).toEqual([{ line: 1, fields: ['O"Brien', '2'] }]);
  });

  it('flags text after a closing quote instead of guessing', () => {
    const [record] = parseCsv('"ab"c,d\n');
    expect(record?.error).toMatch(/after a closing quote/);
  });

  it('stops at a quote that is never closed and says where it started', () => {
    const records = parseCsv('a,b\n1,2\n"open,3\n4,5\n');
    expect(records).toHaveLength(3);
    expect(records[2]).toMatchObject({ line: 3, fields: [] });
    expect(records[2]?.error).toMatch(/starting on line 3 is never closed/);
  });

  it('gives the same records however the text is split into chunks', () => {
    const text = 'h1,h2\r\n"a,""b""\r\nc",d\r\ne,"f"\r\n\r\n"g"\n"",x';
    const whole = parseCsv(text);
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const parser = new CsvParser();
        const parts = [...parser.push(text.slice(0, i)), ...parser.push(text.slice(i, j)), ...parser.push(text.slice(j)), ...parser.finish()];
        expect(parts).toEqual(whole);
      }
    }
  });
});

describe('readCsvRecords', () => {
  it('streams a file larger than one read chunk, keeping multi-byte characters whole', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => `P${i},"Ms É, ${i}",µmol/L`);
    const file = write('big.csv', `ref,label,unit\n${rows.join('\n')}\n`);
    const records = await collect(file);
    expect(records).toHaveLength(40_001);
    expect(records[40_000]).toEqual({ line: 40_001, fields: ['P39999', 'Ms É, 39999', 'µmol/L'] });
    expect(records.every((r) => r.fields[2] === 'µmol/L' || r.line === 1)).toBe(true);
  });

  it('flags records with bytes that are not UTF-8 (a Windows-1252 export)', async () => {
    const file = write('cp1252.csv', Buffer.concat([Buffer.from('ref,label\nP1,Ok\nP2,Ren'), Buffer.from([0xe9]), Buffer.from('e\n')]));
    const records = await collect(file);
    expect(records[1]).toEqual({ line: 2, fields: ['P1', 'Ok'] });
    expect(records[2]?.error).toMatch(/not UTF-8; save the file as "CSV UTF-8"/);
  });
});

describe('openCsv', () => {
  const spec = { required: ['patient_ref', 'test'] as const, optional: ['unit'] as const };

  it('matches header names whatever their case and spacing', async () => {
    const opened = await openCsv(write('h1.csv', ' Patient Ref ,TEST\nP1,alt\n'), 'h1.csv', spec);
    expect(opened.ok && opened.csv.columns).toEqual({ patient_ref: 0, test: 1, unit: -1 });
  });

  it('names missing, unexpected and repeated columns together', async () => {
    const opened = await openCsv(write('h2.csv', 'test,test,colour\nx,y,z\n'), 'h2.csv', spec);
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    expect(opened.code).toBe('IMPORT.BAD_HEADER');
    expect(formatProblems(opened.problems, 'h2.csv')).toEqual([
      'h2.csv line 1: column test appears more than once',
      'h2.csv line 1: unexpected column(s): colour; the columns are patient_ref, test, unit',
      'h2.csv line 1: missing column(s): patient_ref',
    ]);
  });

  it('reports an empty file and a missing file', async () => {
    const empty = await openCsv(write('empty.csv', '\uFEFF\r\n\r\n'), 'empty.csv', spec);
    expect(empty.ok || empty.code).toBe('IMPORT.EMPTY');
    const missing = await openCsv(path.join(dir, 'nope.csv'), 'nope.csv', spec);
    expect(missing.ok || missing.code).toBe('IMPORT.NOT_FOUND');
  });

  it('skips rows of empty cells that spreadsheets leave at the end', async () => {
    const opened = await openCsv(write('pad.csv', 'patient_ref,test\nP1,alt\n,\n,,\n'), 'pad.csv', spec);
    if (!opened.ok) throw new Error(opened.message);
    const rows: CsvRecord[] = [];
    for await (const chunk of opened.csv.rows) rows.push(...chunk);
    expect(rows).toEqual([{ line: 2, fields: ['P1', 'alt'] }]);
  });
});

describe('recordProblem', () => {
  it('accepts empty padding cells but not extra values or missing fields', () => {
    expect(recordProblem({ line: 2, fields: ['a', 'b', '', ' '] }, 2)).toBeNull();
    expect(recordProblem({ line: 2, fields: ['a', 'b', 'c'] }, 2)).toMatch(/3 fields but the header has 2/);
    expect(recordProblem({ line: 2, fields: ['a'] }, 2)).toMatch(/1 field\(s\) but the header has 2/);
  });
});
