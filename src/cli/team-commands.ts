/**
 * `closedloop team show TEAM` and `closedloop team set TEAM key=value …`: a team's digest and
 * escalation settings (src/domain/digest/settings.ts), where its digests go, and changing them.
 * Every change is validated by teamSettingsSchema and audited (`team.settings_changed`).
 */
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema, type TeamSettings } from '../domain/digest/settings.js';
import { describeChannel } from '../digests/runs.js';
import { loadDigestTeam, loadTeamChannels } from '../digests/team-data.js';
import { updateTeamSettings, type SettingsChange } from '../digests/team-settings.js';
import { findTeamId } from '../register/due-list.js';
import { nextDailyDigest } from '../schedule/next-digest.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { renderTable } from './format.js';
import type { CommandSpec } from './registry.js';
import { cliSystemActor } from './workflow-commands.js';

const USAGE = commandInfo('team').usage;

const SETTING_KEYS = Object.keys(teamSettingsSchema.shape) as (keyof TeamSettings)[];
const LIST_KEYS = new Set<string>(['workingDays', 'extraHolidays', 'dutyPharmacistEmails']);
const NUMBER_KEYS = new Set<string>(['lateAfterMinutes', 'redUnclaimedMinutes', 'staleClaimHours']);
const LIMIT_PRIORITIES = ['red', 'amber', 'routine'] as const;

const KEY_HELP = `Settings: ${SETTING_KEYS.join(', ')} (unclaimedLimitHours.red|amber|routine for one priority). `
  + 'Lists are comma-separated (workingDays=mon,tue,wed,thu,fri); KEY=default restores the default.';

/** A value as typed, in the type its key takes; the schema then checks it and names any problem. */
function typedValue(key: string, text: string): unknown {
  if (text === 'default') return undefined;
  if (LIST_KEYS.has(key)) {
    const items = text.split(',').map((s) => s.trim()).filter(Boolean);
    return key === 'workingDays' ? items.map((s) => s.toLowerCase()) : items;
  }
  if (NUMBER_KEYS.has(key) || key.startsWith('unclaimedLimitHours.')) return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (key === 'monthlyDigest') {
    if (/^(true|yes|on)$/i.test(text)) return true;
    if (/^(false|no|off)$/i.test(text)) return false;
    return text;
  }
  return key === 'weeklyDigestDay' ? text.toLowerCase() : text;
}

/** `key=value` words as a settings change, or what is wrong with them. */
export function parseAssignments(words: readonly string[]): { ok: true; change: SettingsChange } | { ok: false; message: string } {
  const change: SettingsChange = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) return { ok: false, message: `"${word}" is not KEY=VALUE.` };
    const key = word.slice(0, eq).trim();
    const value = typedValue(key, word.slice(eq + 1).trim());
    const [head, sub] = key.split('.') as [string, string | undefined];
    if (head === 'unclaimedLimitHours' && sub !== undefined) {
      if (!(LIMIT_PRIORITIES as readonly string[]).includes(sub)) return { ok: false, message: `"${key}": the priorities are red, amber and routine.` };
      const limits = (change.unclaimedLimitHours as Record<string, unknown> | undefined) ?? {};
      change.unclaimedLimitHours = { ...limits, [sub]: value === undefined ? DEFAULT_TEAM_SETTINGS.unclaimedLimitHours[sub as 'red'] : value };
      continue;
    }
    if (sub !== undefined || !(SETTING_KEYS as string[]).includes(head)) return { ok: false, message: `There is no setting "${key}".` };
    change[head] = value;
  }
  return { ok: true, change };
}

function describeValue(key: keyof TeamSettings, value: TeamSettings[keyof TeamSettings]): string {
  if (key === 'unclaimedLimitHours') {
    const v = value as TeamSettings['unclaimedLimitHours'];
    return `red ${v.red} h, amber ${v.amber} h, routine ${v.routine} h`;
  }
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

async function resolveTeam(ctx: CliContext, name: string): Promise<string | null> {
  const { db } = await ctx.database();
  const found = await findTeamId(db, name);
  if (!found.ok) {
    ctx.io.err(found.message);
    return null;
  }
  return found.value;
}

async function show(ctx: CliContext, name: string): Promise<number> {
  const teamId = await resolveTeam(ctx, name);
  if (!teamId) return 1;
  const { db } = await ctx.database();
  const team = (await loadDigestTeam(db, teamId))!;
  const rows = SETTING_KEYS.map((key) => {
    const value = team.settings[key];
    const isDefault = JSON.stringify(value) === JSON.stringify(DEFAULT_TEAM_SETTINGS[key]);
    return [key, describeValue(key, value), isDefault ? 'default' : 'set'];
  });
  const channels = await loadTeamChannels(db, [team.id]);
  const where = (purpose: 'mdt' | 'managers', missing: string) => {
    const bound = channels.filter((c) => c.purpose === purpose).map(describeChannel);
    return bound.length ? bound.join('; ') : missing;
  };
  const next = nextDailyDigest([team], ctx.now());
  ctx.io.out([
    `${team.name} (time zone ${team.timeZone})`,
    '',
    renderTable(['setting', 'value', ''], rows),
    '',
    ...(team.settingsProblem ? [`WARNING: the stored settings are not valid, so the defaults are in force: ${team.settingsProblem}. Fix them with "closedloop team set".`, ''] : []),
    `MDT channel (daily digests, escalations): ${where('mdt', 'none bound: type "bind TEAM" in the team\'s channel (an admin)')}`,
    `Managers' channel (weekly and monthly digests): ${where('managers', 'none bound: type "bind TEAM managers" in the managers\' channel (an admin)')}`,
    `First digest: ${team.firstDigestAt ? team.firstDigestAt.toISOString() : 'not yet (onboarding: no automatic escalations until one has been posted, or 7 days from the team\'s creation)'}`,
    `Next daily digest: ${next ? `${next.localDate} ${next.localTime} (${next.timeZone})` : 'none scheduled (no working days)'}`,
  ].join('\n'));
  return 0;
}

async function set(ctx: CliContext, name: string, words: string[]): Promise<number> {
  const parsed = parseAssignments(words);
  if (!parsed.ok) {
    ctx.io.err(`${parsed.message}\n${KEY_HELP}\nUsage: closedloop ${USAGE}`);
    return 2;
  }
  const teamId = await resolveTeam(ctx, name);
  if (!teamId) return 1;
  const { db } = await ctx.database();
  const result = await updateTeamSettings(db, teamId, parsed.change, cliSystemActor(), ctx.now());
  if (!result.ok) {
    ctx.io.err(`${result.message}\n${KEY_HELP}`);
    return result.code === 'SETTINGS.INVALID' ? 2 : 1;
  }
  if (!result.value.changed) {
    ctx.io.out(`${name}: nothing changed (the settings already had those values).`);
    return 0;
  }
  const lines = Object.keys(result.value.after).map((key) => {
    const k = key as keyof TeamSettings;
    return `  ${key}: ${describeValue(k, result.value.before[key] as TeamSettings[typeof k])} → ${describeValue(k, result.value.settings[k])}`;
  });
  ctx.io.out(`${name}: settings changed (audited as team.settings_changed).\n${lines.join('\n')}\nThe scheduler uses them from its next tick.`);
  return 0;
}

export const teamCommand: CommandSpec = {
  ...commandInfo('team'),
  async run(ctx, { positionals }) {
    const [action, name, ...rest] = positionals;
    if (action === 'show' && name && rest.length === 0) return show(ctx, name);
    if (action === 'set' && name && rest.length > 0) return set(ctx, name, rest);
    ctx.io.err(`Usage: closedloop ${USAGE}\n${KEY_HELP}`);
    return 2;
  },
};
