/**
 * View builders for actions: the only place their wording is chosen. Pure functions of the
 * records and `now`, so every platform shows the same words.
 */
import { dayNumber, isIsoDate, todayIn, type IsoDate } from '../domain/dates.js';
import { OUTCOMES, actionRef, type ActionKind } from '../domain/actions/kinds.js';
import { clockTime } from '../domain/actions/transitions.js';
import type { ActionRecord } from '../domain/actions/records.js';
import { LIST_LIMIT, type MessageView, type ViewBlock, type ViewButton } from './model.js';
import { ratingLabel } from './ratings.js';

export const KIND_LABEL: Record<ActionKind, string> = {
  overdue_monitoring: 'Overdue monitoring',
  result_review: 'Result review',
  dna_followup: 'Missed appointment follow-up',
  reconciliation: 'Discharge reconciliation',
  escalation: 'Escalation',
  clinical_decision: 'Clinical decision',
};

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The patient as chat shows them: pseudonymous reference and display label, nothing more. */
export function patientLabel(ref: string, label: string): string {
  return label ? `${ref} (${label})` : ref;
}

/** What the action is about, in a sentence, from its cause; `today` is the team's date. */
export function describeCause(kind: ActionKind, cause: Record<string, unknown>, today?: IsoDate): string {
  switch (kind) {
    case 'overdue_monitoring': {
      const test = str(cause.test) || 'test';
      const drug = cause.drug ? ` for ${str(cause.drug)}` : '';
      const dueOn = str(cause.dueOn);
      const never = cause.lastDone === null || cause.lastDone === undefined ? ', never done' : `, last done ${str(cause.lastDone)}`;
      // Counted from the due date each time it is shown: a stored count would be a day staler every day.
      if (dueOn && today && isIsoDate(dueOn)) return `${test}${drug} overdue by ${Math.max(0, dayNumber(today) - dayNumber(dueOn))} days (due ${dueOn}${never})`;
      return `${test}${drug} overdue${dueOn ? ` (due ${dueOn}${never})` : ''}`;
    }
    case 'result_review':
      return `${str(cause.test)} ${str(cause.value)} ${str(cause.unit)} on ${str(cause.takenOn)}: ${ratingLabel(cause.flag)}${cause.reason ? ` (${str(cause.reason)})` : ''}`.replace(/\s+/g, ' ');
    case 'dna_followup':
      return `missed ${str(cause.test)} on ${str(cause.takenOn)}${cause.rebookBy ? `; rebook by ${str(cause.rebookBy)}` : ''}`;
    case 'reconciliation':
      return `discharged from hospital on ${str(cause.dischargedOn)}: reconcile the medicines list`;
    case 'escalation':
      return str(cause.reason) || 'escalated';
    case 'clinical_decision':
      return `${str(cause.misses) || 'repeated'} missed ${str(cause.test)} appointments: decide how to continue`;
  }
}

function hoursBetween(a: Date, b: Date): number {
  return (a.getTime() - b.getTime()) / 3_600_000;
}

/** "due in 3 h", "overdue by 2 days". */
export function describeDue(dueAt: Date, now: Date): string {
  const hours = hoursBetween(dueAt, now);
  const span = (h: number) => (h < 48 ? `${Math.max(1, Math.round(h))} h` : `${Math.round(h / 24)} days`);
  return hours >= 0 ? `due in ${span(hours)}` : `overdue by ${span(-hours)}`;
}

/** When a waiver made by closing the action expires: the card must say how long the test goes unchased. */
function outcomeDates(detail: Record<string, unknown> | null): string {
  return typeof detail?.waive_until === 'string' ? `, waived until ${detail.waive_until} (the waiver expires after that day)` : '';
}

/** Who holds or closed it and when: what a posted card must always show as it stands now. */
export function describeStatus(action: ActionRecord): string {
  const who = action.assigneeName ?? 'someone';
  switch (action.status) {
    case 'open': return action.assignedRole ? `open, for a ${action.assignedRole.replace(/_/g, ' ')}` : 'open, unclaimed';
    case 'claimed': return `claimed by ${who}${action.claimedAt ? ` at ${clockTime(action.claimedAt, action.timeZone)}` : ''}`;
    case 'closed': {
      const by = action.assigneeName ? ` by ${action.assigneeName}` : '';
      const at = action.closedAt ? ` at ${clockTime(action.closedAt, action.timeZone)}` : '';
      return `closed: ${action.outcome ?? 'done'}${outcomeDates(action.outcomeDetail)}${by}${at}${action.closedReason ? ` (${action.closedReason})` : ''}`;
    }
    case 'cancelled': return `cancelled${action.closedReason ? ` (${action.closedReason})` : ''}`;
  }
}

/**
 * The buttons for an action in its state (the person's permissions are checked on press). Close,
 * hand off and escalate need details, so they open a form; claim, release and the timeline run
 * at once. `onCard`: the buttons stand on the action's own card, which they then refresh.
 */
export function actionButtons(action: ActionRecord, onCard = true): ViewButton[] {
  const fields = { actionId: action.id };
  const timeline: ViewButton = { label: 'Timeline', command: 'audit', fields };
  if (action.status === 'closed' || action.status === 'cancelled') return [timeline];
  const refresh = onCard ? { refreshesSource: true } : {};
  const buttons: ViewButton[] = [];
  if (action.status === 'open') buttons.push({ label: 'Claim', command: 'claim', fields, style: 'primary', ...refresh });
  if (action.status === 'claimed') buttons.push({ label: 'Close…', command: 'close', fields, style: 'primary', opensForm: true });
  buttons.push({ label: 'Hand off…', command: 'handoff', fields, opensForm: true });
  buttons.push({ label: 'Escalate…', command: 'escalate', fields, opensForm: true });
  if (action.status === 'claimed' && onCard) buttons.push({ label: 'Release', command: 'release', fields, ...refresh });
  buttons.push(timeline);
  return buttons;
}

export function actionCard(action: ActionRecord, now: Date, headline?: string): MessageView {
  const ref = actionRef(action.id);
  const title = `${ref} · ${KIND_LABEL[action.kind]} · ${action.priority}`;
  const about = describeCause(action.kind, action.cause, todayIn(action.timeZone, now));
  const patient = patientLabel(action.patientRef, action.displayLabel);
  const due = action.status === 'open' || action.status === 'claimed' ? describeDue(action.dueAt, now) : '';
  const outcomes = Object.keys(OUTCOMES[action.kind]).join(', ');
  const blocks: ViewBlock[] = [];
  if (headline) blocks.push({ kind: 'text', text: headline, emphasis: 'strong' });
  blocks.push({
    kind: 'fields',
    fields: [
      { label: 'Patient', value: patient },
      { label: 'About', value: about },
      { label: 'Team', value: action.teamName },
      { label: 'Status', value: describeStatus(action) },
      ...(due ? [{ label: 'Due', value: due }] : []),
    ],
  });
  if (action.status === 'claimed') blocks.push({ kind: 'text', text: `Outcomes: ${outcomes}`, emphasis: 'muted' });
  const fallbackText = [headline, `${title}: ${patient}, ${about}. ${describeStatus(action)}${due ? `, ${due}` : ''}.`].filter(Boolean).join(' ');
  return {
    title, fallbackText, blocks, buttons: actionButtons(action),
    tone: action.priority === 'red' ? 'urgent' : action.priority === 'amber' ? 'warning' : 'info',
    subject: { kind: 'action', actionId: action.id },
  };
}

const HEADLINE: Record<string, (ref: string, name: string) => string> = {
  'action.claimed': (ref, name) => `${name} claimed ${ref}.`,
  'action.released': (ref, name) => `${name} released ${ref}; it is open again.`,
  'action.closed': (ref, name) => `${name} closed ${ref}.`,
  'action.handed_off': (ref, name) => `${name} handed off ${ref}.`,
  'action.escalated': (ref, name) => `${name} escalated ${ref}.`,
  'action.noted': (ref, name) => `${name} added a note to ${ref}.`,
};

/** The line above a changed action's card: who did what, and any escalation it opened. */
export function changeHeadline(auditVerb: string, ref: string, name: string, created: readonly { id: number; assignedRole: string | null }[]): string {
  let headline = HEADLINE[auditVerb]?.(ref, name) ?? '';
  if (created.length) headline += ` Opened ${created.map((c) => `${actionRef(c.id)} (escalation to a ${(c.assignedRole ?? 'lead').replace(/_/g, ' ')})`).join(', ')}.`;
  else if (auditVerb === 'action.escalated') headline += ' An escalation for that role is already open.';
  return headline;
}

/** The title and empty-list wording of each list a person can ask for. */
const LIST_TITLES: Record<string, string> = { open: 'Open actions', overdue: 'Overdue tests and late actions', unclaimed: 'Unclaimed actions', red: 'Red actions' };

export function listView(filter: string, scopeLabel: string, actions: ActionRecord[], total: number, now: Date): MessageView {
  if (filter === 'mine') return actionList('Your actions', actions, total, now, 'You hold no open actions. Type "list unclaimed" to pick one up.');
  const title = `${LIST_TITLES[filter] ?? `${KIND_LABEL[filter as ActionKind]} actions`} for ${scopeLabel}`;
  return actionList(title, actions, total, now, 'Nothing here: every loop is closed.');
}

export function homeListsView(mine: { actions: ActionRecord[]; total: number }, red: { actions: ActionRecord[]; total: number }, now: Date): MessageView {
  return homeView(
    actionList('Your open actions', mine.actions, mine.total, now, 'You hold no open actions.'),
    actionList("Your team's unclaimed red items", red.actions, red.total, now, 'No red item is waiting for someone to take it.'),
  );
}

/** App Home: two lists as one view, each with its heading. */
export function homeView(mine: MessageView, red: MessageView): MessageView {
  const heading = (view: MessageView): ViewBlock => ({ kind: 'text', text: view.title, emphasis: 'strong' });
  return {
    title: 'closedloop', tone: red.tone === 'urgent' ? 'urgent' : 'info',
    blocks: [heading(mine), ...mine.blocks, { kind: 'divider' }, heading(red), ...red.blocks],
    fallbackText: `${mine.fallbackText} ${red.fallbackText}`,
  };
}

/** One line per action, most urgent first, with a Claim button on unclaimed ones. */
export function actionList(title: string, actions: ActionRecord[], total: number, now: Date, empty: string): MessageView {
  if (actions.length === 0) return { title, fallbackText: `${title}: ${empty}`, blocks: [{ kind: 'text', text: empty }], tone: 'success' };
  const items = actions.slice(0, LIST_LIMIT).map((a) => {
    const ref = actionRef(a.id);
    const text = `${ref} ${a.priority.toUpperCase()} · ${KIND_LABEL[a.kind]} · ${patientLabel(a.patientRef, a.displayLabel)}: ${describeCause(a.kind, a.cause, todayIn(a.timeZone, now))}`;
    const meta = `${describeDue(a.dueAt, now)} · ${describeStatus(a)}`;
    return { text, meta, buttons: actionButtons(a, false) };
  });
  const more = Math.max(0, total - items.length);
  const summary = `${title}: ${total} action${total === 1 ? '' : 's'}${more ? `, showing the ${items.length} most urgent` : ''}.`;
  const blocks: ViewBlock[] = [{ kind: 'list', items, more }];
  if (more) blocks.push({ kind: 'text', text: `${more} more not shown. Narrow the list: list red, list unclaimed, list overdue or list KIND.`, emphasis: 'muted' });
  // The fallback is a notification preview: the count and the first few, not the whole list.
  return { title, fallbackText: `${summary} ${items.slice(0, 5).map((i) => i.text).join('; ')}`, blocks, tone: actions.some((a) => a.priority === 'red') ? 'urgent' : 'info' };
}
