/**
 * What a newcomer types first: `closedloop help` fits a 100-column terminal, and `--version` prints
 * the version from package.json. Neither opens a database.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/context.js';
import { helpText, runCli } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands.js';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, interactive: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('closedloop help and --version', () => {
  it('help fits 100 columns and still names every command with its summary', () => {
    const text = helpText();
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    const flat = text.replace(/\s+/g, ' ');
    for (const command of COMMANDS) {
      expect(flat).toContain(command.usage.replace(/\s+/g, ' '));
      expect(flat).toContain(command.summary.replace(/\s+/g, ' '));
    }
  });

  it.each([['--version'], ['-v'], ['version']])('%s prints the package version and exits 0', async (arg) => {
    const io = capture();
    expect(await runCli([arg], { io, env: {} })).toBe(0);
    expect(io.stdout).toEqual([`closedloop ${version}`]);
  });

  it('help mentions --version', async () => {
    const io = capture();
    expect(await runCli(['help'], { io, env: {} })).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/--version/);
  });
});

describe('option errors are in our words', () => {
  const ZOD_WORDS = /expected (number|string|one of)|received|Invalid (input|option)|Too (small|big)|>=|<=/;

  it.each([
    [['due', '--status', 'late'], /--status: use overdue, due or all/],
    [['due', '--format', 'xml'], /--format: use table, json or csv/],
    [['due', '--team', ''], /--team: give the team name/],
    [['results', '--days', 'abc'], /--days: use a whole number of days from 1 to 3660/],
    [['results', '--days', '0'], /--days: use a whole number of days from 1 to 3660/],
    [['results', '--format', 'csv'], /--format: use table or json/],
    [['outbox', '--limit', 'abc'], /--limit: use a whole number from 1 to 10000/],
    [['console', '--as', 'nobody'], /--as: give the staff email/],
  ])('%j', async (argv, message) => {
    const io = capture();
    expect(await runCli(argv, { io, env: {} })).toBe(2);
    const err = io.stderr.join('\n');
    expect(err).toMatch(message);
    expect(err).not.toMatch(ZOD_WORDS);
  });
});
