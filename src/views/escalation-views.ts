/**
 * The notices an escalation sweep posts to a team's channel (issue 9 §3): unclaimed work that
 * climbed the chain, grouped per rung so a backlog is one message and not a thousand, and a
 * reminder to each holder of a claim gone stale. Frozen views (they record a moment, not a state):
 * the actions they list keep their own cards current.
 */
import { actionRef } from '../domain/actions/kinds.js';
import type { ActionRecord } from '../domain/actions/records.js';
import { todayIn } from '../domain/dates.js';
import { LIST_LIMIT, type MessageView, type ViewBlock, type ViewMention } from './model.js';
import { KIND_LABEL, actionButtons, describeCause, describeDue, patientLabel } from './action-views.js';

export type UnclaimedRung = 'unclaimed_duty_lead' | 'unclaimed_manager';

const ROLE_NAME: Record<UnclaimedRung, { one: string; many: string; fix: string }> = {
  unclaimed_duty_lead: { one: 'duty lead', many: 'Duty leads', fix: 'duty_lead' },
  unclaimed_manager: { one: 'manager', many: 'Managers', fix: 'manager' },
};

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

function itemsOf(actions: readonly ActionRecord[], now: Date) {
  return actions.slice(0, LIST_LIMIT).map((a) => ({
    text: `${actionRef(a.id)} ${a.priority.toUpperCase()} · ${KIND_LABEL[a.kind]} · ${patientLabel(a.patientRef, a.displayLabel)}: ${describeCause(a.kind, a.cause, todayIn(a.timeZone, now))}`,
    meta: `waiting since ${a.createdAt.toISOString().slice(0, 16).replace('T', ' ')}Z · ${describeDue(a.dueAt, now)}`,
    buttons: actionButtons(a, false),
  }));
}

/** Who is being asked, or, when the team lists nobody in the role, that nobody was (never silently). */
function addressLine(mentions: readonly ViewMention[], rung: UnclaimedRung, teamName: string): ViewBlock {
  const role = ROLE_NAME[rung];
  return mentions.length > 0
    ? { kind: 'text', text: `${role.many}: ${mentions.map((m) => m.name).join(', ')}.` }
    : { kind: 'text', text: `No active ${role.one} is listed for ${teamName}: add one to staff.csv (role ${role.fix}) and import it, so these reach someone.`, emphasis: 'strong' };
}

/**
 * One notice per team and rung per sweep: the actions that have just passed their unclaimed limit
 * (or twice it, for the manager), most urgent first, at most LIST_LIMIT listed and the rest
 * counted, mentioning the people who hold the rung's role.
 */
export function unclaimedNotice(rung: UnclaimedRung, teamName: string, actions: readonly ActionRecord[],
  limits: { red: number; amber: number; routine: number }, mentions: readonly ViewMention[], now: Date): MessageView {
  const role = ROLE_NAME[rung];
  const twice = rung === 'unclaimed_manager';
  const title = `Unclaimed work escalated to the ${role.one} · ${teamName}`;
  const lead = `${plural(actions.length, 'action has', 'actions have')} waited unclaimed ${twice ? 'twice ' : ''}beyond the team's limit `
    + `(red ${limits.red} h, amber ${limits.amber} h, routine ${limits.routine} h${twice ? ', doubled' : ''}). Please claim or assign them.`;
  const more = Math.max(0, actions.length - LIST_LIMIT);
  const blocks: ViewBlock[] = [
    { kind: 'text', text: lead, emphasis: 'strong' },
    addressLine(mentions, rung, teamName),
    { kind: 'list', items: itemsOf(actions, now), more },
  ];
  if (more) blocks.push({ kind: 'text', text: `${plural(more, 'more action')} not listed: type "list unclaimed" to see them all.`, emphasis: 'muted' });
  return {
    title, blocks, tone: actions.some((a) => a.priority === 'red') ? 'urgent' : 'warning',
    fallbackText: `${title}: ${lead}`,
    ...(mentions.length > 0 ? { mentions: [...mentions] } : {}),
  };
}

/** A reminder to one holder: the claims they hold that nobody has touched for the team's stale limit. */
export function staleClaimNotice(holder: ViewMention, teamName: string, actions: readonly ActionRecord[], staleHours: number, now: Date): MessageView {
  const title = `Claims gone quiet · ${holder.name} · ${teamName}`;
  const lead = `${holder.name}, you hold ${plural(actions.length, 'action')} with no change for ${staleHours} hours or more. `
    + 'Close it, add a note on progress, or release it so someone else can take it.';
  const more = Math.max(0, actions.length - LIST_LIMIT);
  const blocks: ViewBlock[] = [{ kind: 'text', text: lead, emphasis: 'strong' }, { kind: 'list', items: itemsOf(actions, now), more }];
  if (more) blocks.push({ kind: 'text', text: `${plural(more, 'more action')} not listed: type "mine" to see them all.`, emphasis: 'muted' });
  return { title, blocks, tone: 'warning', fallbackText: `${title}: ${lead}`, mentions: [holder] };
}
