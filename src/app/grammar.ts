/**
 * The command grammar, the same on every platform: what people type after `/closedloop` (or to
 * the bot, or in the console). Parsing is pure: text in, a typed command or a failure out, and
 * every failure says what to type instead.
 */
import { z } from 'zod';
import { commandSchema, MAX_TEXT } from './command-schema.js';
import { COMMAND_HELP, COMMAND_NAMES, type CommandName } from '../views/command-help.js';
import { isIsoDate } from '../domain/dates.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import { isPatientRef, patientRefProblem } from '../domain/patient-ref.js';
import { describeUnsafeChar, findUnsafeChar } from '../domain/text-safety.js';
import { LIST_FILTERS, REASONABLE_ADJUSTMENTS, ROLES, parseActionRef, type ListFilter, type ReasonableAdjustment, type Role } from '../domain/actions/kinds.js';


/** A handoff target as typed: a role name, an email, or a platform mention (`<@U123>`, `@U123`). */
export type TargetSpec = { role: Role } | { email: string } | { mention: string };

export type Command =
  | { name: 'help'; topic?: string }
  | { name: 'mine' }
  | { name: 'home' }
  | { name: 'list'; filter: ListFilter }
  | { name: 'claim' | 'release'; actionId: number }
  | { name: 'close'; actionId: number; outcome: string; date?: string; attempts?: number; adjustments?: ReasonableAdjustment[]; note?: string }
  | { name: 'handoff'; actionId: number; target: TargetSpec; reason: string }
  | { name: 'escalate'; actionId: number; reason: string }
  | { name: 'note'; actionId: number; text: string }
  | { name: 'patient'; patientRef: string }
  /** `value` is the text as typed: the domain reads it (readResultValue), so the audit trail keeps what was typed. */
  | { name: 'result'; patientRef: string; test: string; value: string; unit?: string; date?: string }
  | { name: 'dna'; patientRef: string; test: string; reason?: string }
  | { name: 'discharge'; patientRef: string; date?: string }
  | { name: 'audit'; target: { actionId: number } | { patientRef: string } }
  /** The weekly digest or monthly summary of the last complete period; TEAM by name, else the channel's or the person's only team. */
  | { name: 'digest'; period: 'weekly' | 'monthly'; team?: string }
  | { name: 'link'; target: TargetSpec; email: string }
  | { name: 'bind'; team: string; purpose: 'mdt' | 'managers' };

/** Every command the grammar reads has help, and every help entry is a command. */
type SameNames = [Command['name']] extends [CommandName] ? ([CommandName] extends [Command['name']] ? true : never) : never;
const commandNamesMatch: SameNames = true;
void commandNamesMatch;

export { COMMAND_HELP, COMMAND_NAMES, type CommandName };

export type ParseError = 'COMMAND.EMPTY' | 'COMMAND.UNKNOWN' | 'COMMAND.USAGE' | 'ACTION.BAD_ID' | 'DATE.INVALID' | 'VALUE.INVALID' | 'LIST.UNKNOWN_FILTER' | 'TARGET.INVALID';

const usage = (name: CommandName) => `Type: ${COMMAND_HELP[name].usage}`;

/** Drops a leading "/closedloop", "closedloop" or "@closedloop" so every platform's text parses alike. */
export function stripInvocation(text: string): string {
  return text.trim().replace(/^[/@]?closedloop\b[:,]?\s*/i, '').trim();
}

/** Edit distance, for "did you mean" on unknown commands. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

export function suggestCommand(word: string): CommandName | null {
  const lower = word.toLowerCase();
  let best: CommandName | null = null;
  let bestDistance = 3;
  for (const name of COMMAND_NAMES) {
    const d = distance(lower, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

const emailSchema = z.email();

/** A word of the person's own, quoted in a message: shortened, so one long word cannot fill the reply. */
const quoted = (word: string) => `"${word.length > 40 ? `${word.slice(0, 39)}…` : word}"`;

function actionId(word: string | undefined, name: CommandName): Outcome<number, ParseError> {
  if (!word) return fail('COMMAND.USAGE', `${name} needs an action id. ${usage(name)}`);
  const id = parseActionRef(word);
  // A-0 matches the pattern but no action has it (ids start at 1).
  return id === null || id < 1 ? fail('ACTION.BAD_ID', `${quoted(word)} is not an action id. Action ids look like A-1042. ${usage(name)}`) : ok(id);
}

/** A patient reference as typed, checked against the one definition the imports use too. */
function patientRef(word: string, name: CommandName): Outcome<string, ParseError> {
  const problem = patientRefProblem(word);
  return problem === null ? ok(word) : fail('VALUE.INVALID', `${quoted(word)} ${problem}. ${usage(name)}`);
}

function optionalDate(word: string | undefined, name: CommandName): Outcome<string | undefined, ParseError> {
  if (word === undefined) return ok(undefined);
  return isIsoDate(word) ? ok(word) : fail('DATE.INVALID', `"${word}" is not a date. Use YYYY-MM-DD, for example 2026-12-01. ${usage(name)}`);
}

export function parseTarget(word: string): Outcome<TargetSpec, ParseError> {
  const bare = word.replace(/^@/, '');
  const role = bare.toLowerCase().replace(/-/g, '_');
  if ((ROLES as readonly string[]).includes(role)) return ok({ role: role as Role });
  if (emailSchema.safeParse(bare).success) return ok({ email: bare.toLowerCase() });
  // Slack mentions arrive as <@U123> or <@U123|name>; adapters may also pass @U123.
  const mention = /^<@([A-Za-z0-9._:-]+)(?:\|[^>]*)?>$/.exec(word) ?? /^@([A-Za-z0-9._:-]+)$/.exec(word);
  if (mention) return ok({ mention: mention[1]! });
  return fail('TARGET.INVALID', `"${word}" is not a person or a role. Use @someone, their email, or a role: ${ROLES.join(', ')}.`);
}

function parseClose(words: string[]): Outcome<Command, ParseError> {
  const id = actionId(words[0], 'close');
  if (!id.ok) return id;
  const outcome = words[1]?.toLowerCase();
  if (!outcome) return fail('COMMAND.USAGE', `close needs an outcome. ${usage('close')} ("help close" lists the outcomes for each kind of action)`);
  const rest = words.slice(2);
  const command: Extract<Command, { name: 'close' }> = { name: 'close', actionId: id.value, outcome };
  const noteWords: string[] = [];
  for (const word of rest) {
    const [key, value] = word.includes('=') ? [word.slice(0, word.indexOf('=')).toLowerCase(), word.slice(word.indexOf('=') + 1)] : [null, word];
    if (key === 'attempts') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 100) return fail('VALUE.INVALID', `attempts must be a whole number, for example attempts=3. ${usage('close')}`);
      command.attempts = n;
    } else if (key === 'adjustments') {
      const list = value.split(',').map((a) => a.trim().toLowerCase().replace(/-/g, '_')).filter(Boolean);
      const unknown = list.filter((a) => !(REASONABLE_ADJUSTMENTS as readonly string[]).includes(a));
      if (unknown.length) return fail('VALUE.INVALID', `Unknown adjustment ${unknown.join(', ')}. Choose from: ${REASONABLE_ADJUSTMENTS.join(', ')}.`);
      command.adjustments = list as ReasonableAdjustment[];
    } else if (command.date === undefined && noteWords.length === 0 && isIsoDate(word)) {
      command.date = word;
    } else {
      noteWords.push(word);
    }
  }
  if (noteWords.length) command.note = noteWords.join(' ');
  return ok(command);
}

/** Reads the words: which command, and which word is which argument. */
function readCommand(text: string): Outcome<Command, ParseError> {
  const words = stripInvocation(text).split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (!first) return fail('COMMAND.EMPTY', 'Type a command, for example "list overdue" or "mine". Type "help" for all of them.');
  const name = first.toLowerCase();
  const restText = (from: number) => rest.slice(from).join(' ').trim();
  switch (name) {
    case 'help': return ok({ name: 'help', topic: rest[0]?.toLowerCase() });
    case 'mine': return ok({ name: 'mine' });
    case 'home': return ok({ name: 'home' });
    case 'list': {
      const filter = (rest[0]?.toLowerCase() ?? 'open') as ListFilter;
      if (!LIST_FILTERS.includes(filter)) return fail('LIST.UNKNOWN_FILTER', `"${rest[0]}" is not a list. Try: ${LIST_FILTERS.join(', ')}.`);
      return ok({ name: 'list', filter });
    }
    case 'claim':
    case 'release': {
      const id = actionId(rest[0], name);
      return id.ok ? ok({ name, actionId: id.value }) : id;
    }
    case 'close': return parseClose(rest);
    case 'handoff': {
      const id = actionId(rest[0], 'handoff');
      if (!id.ok) return id;
      if (!rest[1] || !restText(2)) return fail('COMMAND.USAGE', `handoff needs who to hand to and why. ${usage('handoff')}`);
      const target = parseTarget(rest[1]);
      return target.ok ? ok({ name: 'handoff', actionId: id.value, target: target.value, reason: restText(2) }) : target;
    }
    case 'escalate':
    case 'note': {
      const id = actionId(rest[0], name);
      if (!id.ok) return id;
      const text = restText(1);
      if (!text) return fail('COMMAND.USAGE', `${name} needs ${name === 'note' ? 'some text' : 'a reason'}. ${usage(name)}`);
      return ok(name === 'note' ? { name, actionId: id.value, text } : { name, actionId: id.value, reason: text });
    }
    case 'patient':
    case 'discharge': {
      if (!rest[0]) return fail('COMMAND.USAGE', `${name} needs a patient reference. ${usage(name)}`);
      const ref = patientRef(rest[0], name);
      if (!ref.ok) return ref;
      if (name === 'patient') return ok({ name, patientRef: ref.value });
      const date = optionalDate(rest[1], name);
      return date.ok ? ok({ name, patientRef: ref.value, date: date.value }) : date;
    }
    case 'result': {
      if (!rest[0] || !rest[1] || rest[2] === undefined) return fail('COMMAND.USAGE', `result needs a patient, a test and a value. ${usage('result')}, for example: result RX-0001 lithium_level 0.7 mmol/L`);
      const ref = patientRef(rest[0], 'result');
      if (!ref.ok) return ref;
      // Kept as typed; whether it is a number in the test's plausible range is the domain's check.
      const value = rest[2];
      let unit: string | undefined = rest[3];
      let dateWord: string | undefined = rest[4];
      if (unit !== undefined && isIsoDate(unit)) [unit, dateWord] = [undefined, unit];
      const date = optionalDate(dateWord, 'result');
      if (!date.ok) return date;
      return ok({ name: 'result', patientRef: ref.value, test: rest[1].toLowerCase(), value, unit, date: date.value });
    }
    case 'dna': {
      if (!rest[0] || !rest[1]) return fail('COMMAND.USAGE', `dna needs a patient and a test. ${usage('dna')}`);
      const ref = patientRef(rest[0], 'dna');
      if (!ref.ok) return ref;
      return ok({ name: 'dna', patientRef: ref.value, test: rest[1].toLowerCase(), reason: restText(2) || undefined });
    }
    case 'audit': {
      if (!rest[0]) return fail('COMMAND.USAGE', `audit needs an action id or a patient reference. ${usage('audit')}`);
      const id = parseActionRef(rest[0]);
      if (id !== null && /^a-?\d+$/i.test(rest[0])) return ok({ name: 'audit', target: { actionId: id } });
      return isPatientRef(rest[0]) ? ok({ name: 'audit', target: { patientRef: rest[0] } }) : fail('COMMAND.USAGE', `${quoted(rest[0])} is neither an action id nor a patient reference. ${usage('audit')}`);
    }
    case 'digest': {
      const period = rest[0]?.toLowerCase();
      if (period !== 'weekly' && period !== 'monthly') {
        return fail('COMMAND.USAGE', `digest needs weekly or monthly${rest[0] ? `, not ${quoted(rest[0])}` : ''}. ${usage('digest')}`);
      }
      // Team names may have spaces ("North CMHT"): the rest of the line is the name.
      const team = restText(1);
      return ok(team ? { name: 'digest', period, team } : { name: 'digest', period });
    }
    case 'link': {
      if (!rest[0] || !rest[1]) return fail('COMMAND.USAGE', `link needs the chat user and their staff email. ${usage('link')}`);
      const target = parseTarget(rest[0]);
      if (!target.ok) return target;
      const email = emailSchema.safeParse(rest[1]);
      if (!email.success) return fail('VALUE.INVALID', `"${rest[1]}" is not an email address. ${usage('link')}`);
      return ok({ name: 'link', target: target.value, email: email.data.toLowerCase() });
    }
    case 'bind': {
      // "bind North CMHT managers": the last word names the managers' channel; team names may have spaces.
      const managers = rest.length > 1 && rest.at(-1)!.toLowerCase() === 'managers';
      const team = (managers ? rest.slice(0, -1) : rest).join(' ').trim();
      return team ? ok({ name: 'bind', team, purpose: managers ? 'managers' : 'mdt' }) : fail('COMMAND.USAGE', `bind needs a team name. ${usage('bind')}`);
    }
    default: {
      const suggestion = suggestCommand(name);
      return fail('COMMAND.UNKNOWN', `"${first}" is not a command.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Type "help" to see what you can type.`);
    }
  }
}

/** Text after the invocation → a command whose values are all acceptable, or a failure that says what to type. */
export function parseCommand(text: string): Outcome<Command, ParseError> {
  const line = lineProblem(text);
  if (line !== null) return fail('VALUE.INVALID', line);
  const read = readCommand(text);
  if (!read.ok) return read;
  const checked = commandSchema.safeParse(read.value);
  if (checked.success) return read;
  const issue = checked.error.issues[0]!;
  const key = issue.path.find((p) => typeof p === 'string');
  const field = key === undefined ? 'value' : FIELD_WORDS[key] ?? key;
  return fail('VALUE.INVALID', `The ${field} ${issue.message}. ${usage(read.value.name)}`);
}

/** The longest line read as a command: ample for a command with a 1,000-character note. */
export const MAX_CHAT_LINE = 4_000;

/** How the command schema's field names read in a sentence. */
const FIELD_WORDS: Record<string, string> = {
  actionId: 'action id', patientRef: 'patient reference', target: 'person', mention: 'person', email: 'email', text: 'text',
  reason: 'reason', note: 'note', outcome: 'outcome', test: 'test', unit: 'unit', value: 'value', date: 'date',
  attempts: 'attempts', adjustments: 'adjustments', team: 'team name', topic: 'topic', filter: 'list', period: 'period',
};

/**
 * Checks on the line as a whole, before any word of it is read or repeated back. Control
 * characters and bidirectional overrides are refused rather than stripped: what is typed may be a
 * clinical note, which must be recorded as written or not at all. Tabs and line breaks only
 * separate words here.
 */
function lineProblem(text: string): string | null {
  if (text.length > MAX_CHAT_LINE) {
    return `That message is ${text.length.toLocaleString('en-GB')} characters long; the limit is ${MAX_CHAT_LINE.toLocaleString('en-GB')}. ` +
      `Send it in shorter parts (a note or reason may be up to ${MAX_TEXT.toLocaleString('en-GB')} characters).`;
  }
  const unsafe = findUnsafeChar(text, { tab: true, newline: true });
  if (unsafe !== null) return `That message contains ${describeUnsafeChar(unsafe)}; type it again without it.`;
  return null;
}
