/**
 * The command grammar as help text, the same on every platform: what each command looks like and
 * does. The grammar (src/app/grammar.ts) reads exactly these commands; views show this text.
 */

export const COMMAND_NAMES = [
  'help', 'mine', 'home', 'list', 'claim', 'release', 'close', 'handoff', 'escalate', 'note', 'patient', 'result', 'dna',
  'discharge', 'audit', 'digest', 'link', 'bind',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandHelp {
  usage: string;
  summary: string;
}

/** The grammar as help text; also the order `help` lists commands in. */
export const COMMAND_HELP: Record<CommandName, CommandHelp> = {
  help: { usage: 'help [COMMAND]', summary: 'what you can type' },
  mine: { usage: 'mine', summary: 'actions you hold' },
  home: { usage: 'home', summary: "your actions and your team's unclaimed red items" },
  list: { usage: 'list [overdue|unclaimed|red|KIND]', summary: "your team's open actions" },
  claim: { usage: 'claim ID', summary: 'take an action (e.g. claim A-1042)' },
  release: { usage: 'release ID', summary: 'give an action back' },
  close: { usage: 'close ID OUTCOME [DATE] [attempts=N] [adjustments=a,b] [NOTE]', summary: 'finish an action with an outcome' },
  handoff: { usage: 'handoff ID @person|ROLE REASON', summary: 'pass an action to a person or a role' },
  escalate: { usage: 'escalate ID REASON', summary: 'raise an action up the escalation chain' },
  note: { usage: 'note ID TEXT', summary: 'add a note to an action' },
  patient: { usage: 'patient REF', summary: "a patient's medicines, tests due and open actions" },
  result: { usage: 'result REF TEST VALUE [UNIT] [DATE]', summary: 'record a result (checked against thresholds)' },
  dna: { usage: 'dna REF TEST [REASON]', summary: 'record a missed appointment' },
  discharge: { usage: 'discharge REF [DATE]', summary: 'record a hospital discharge (opens a reconciliation)' },
  audit: { usage: 'audit ID|REF', summary: "an action's or patient's timeline" },
  digest: { usage: 'digest weekly|monthly [TEAM]', summary: "managers and duty leads: last week's or last month's figures (compliance, timeliness, escalations)" },
  link: { usage: 'link @user EMAIL', summary: 'admins: link a chat account to a member of staff' },
  bind: { usage: 'bind TEAM [managers]', summary: "admins: make this channel the team's channel (or its managers')" },
};


