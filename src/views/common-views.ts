/**
 * Views for replies that are not about one action: help, errors, confirmations, timelines and
 * the patient card.
 */
import { COMMAND_HELP, COMMAND_NAMES, type CommandName } from './command-help.js';
import { OUTCOMES, ACTION_KINDS } from '../domain/actions/kinds.js';
import { zoneFormat } from '../domain/dates.js';
import { KIND_LABEL } from './action-views.js';
import type { MessageView, Tone, ViewBlock } from './model.js';

export function messageView(title: string, text: string, tone: Tone = 'info'): MessageView {
  return { title, fallbackText: text, blocks: [{ kind: 'text', text }], tone };
}

/** An expected failure: the code for programs, the message (what to do instead) for people. */
export function errorView(code: string, message: string): MessageView {
  return { title: 'Not done', fallbackText: message, blocks: [{ kind: 'text', text: message }, { kind: 'text', text: code, emphasis: 'muted' }], tone: 'error' };
}

/** An unexpected failure: only the reference, which finds the log line. */
export function unexpectedView(reference: string): MessageView {
  const text = `Something went wrong on our side (reference ${reference}). Check whether your change went through (audit ID) before trying again; if it happens again, give that reference to your administrator.`;
  return { title: 'Something went wrong', fallbackText: text, blocks: [{ kind: 'text', text }], tone: 'error' };
}

export function helpView(topic?: string): MessageView {
  if (topic === 'close' || topic === 'outcomes') {
    const blocks: ViewBlock[] = ACTION_KINDS.map((kind) => ({
      kind: 'fields' as const,
      fields: [{ label: KIND_LABEL[kind], value: Object.entries(OUTCOMES[kind]).map(([name, spec]) => `${name}: ${spec.summary}`).join('\n') }],
    }));
    const text = `close ID OUTCOME [DATE] [attempts=N] [adjustments=a,b] [NOTE]. Outcomes by kind: ${ACTION_KINDS.map((k) => `${k}: ${Object.keys(OUTCOMES[k]).join(', ')}`).join('; ')}.`;
    return { title: 'Closing an action', fallbackText: text, blocks: [{ kind: 'text', text: COMMAND_HELP.close.usage }, ...blocks], tone: 'info' };
  }
  const names = topic && (COMMAND_NAMES as readonly string[]).includes(topic) ? [topic as CommandName] : COMMAND_NAMES;
  const items = names.map((name) => ({ text: COMMAND_HELP[name].usage, meta: COMMAND_HELP[name].summary }));
  const text = `Commands (type them after /closedloop, or to the bot): ${items.map((i) => i.text).join(' | ')}`;
  return { title: 'closedloop commands', fallbackText: text, blocks: [{ kind: 'list', items }], tone: 'info' };
}

export interface TimelineItem {
  at: string;
  actorName: string;
  via: string;
  verb: string;
  entityId: string;
  reason: string | null;
  after: unknown;
}

/** "2026-11-22 09:05" in the team's zone. */
export function localTime(iso: string, timeZone: string): string {
  const parts = zoneFormat('minute', timeZone, () => new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }))
    .formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function describeChange(item: TimelineItem): string {
  const after = (item.after ?? {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (typeof after.outcome === 'string') bits.push(`outcome ${after.outcome}`);
  if (typeof after.assigneeName === 'string') bits.push(`to ${after.assigneeName}`);
  if (typeof after.assignedRole === 'string') bits.push(`to a ${after.assignedRole.replace(/_/g, ' ')}`);
  if (item.reason) bits.push(`"${item.reason}"`);
  return bits.join(', ');
}

export function timelineView(subject: string, items: TimelineItem[], timeZone: string): MessageView {
  const title = `Timeline: ${subject}`;
  if (items.length === 0) return messageView(title, `Nothing recorded for ${subject}.`);
  const list = items.map((i) => ({
    text: `${localTime(i.at, timeZone)} ${i.verb.replace(/^[a-z_]+\./, '').replace(/_/g, ' ')}${i.entityId !== subject ? ` ${i.entityId}` : ''} by ${i.actorName}`,
    meta: [describeChange(i), `via ${i.via}`].filter(Boolean).join(' · '),
  }));
  return { title, fallbackText: `${title}. ${list.map((l) => `${l.text} (${l.meta})`).join('; ')}`, blocks: [{ kind: 'list', items: list }], tone: 'info' };
}
