/**
 * Teams activities → core requests. Pure: who (tenant and AAD object id), where (the
 * conversation, and whether the bot may post there for the team), what (the text without the
 * bot's @mention, or the card submission an Action.Execute carries), and the delivery id, so a
 * Teams redelivery (which reuses the activity id) is answered from the first reply and changes
 * nothing.
 */
import crypto from 'node:crypto';
import type { CoreRequest, MessageRef } from '../../src/index.js';
import { readCardSubmission, type CardSubmission } from './card-actions.js';

/** The parts of a botbuilder Activity we read (kept structural so tests can pass plain JSON). */
export interface TeamsActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  replyToId?: string;
  value?: unknown;
  from: { id: string; aadObjectId?: string; name?: string };
  recipient?: { id: string; name?: string };
  conversation: { id: string; conversationType?: string; tenantId?: string };
  channelData?: { tenant?: { id?: string }; channel?: { id?: string } } & Record<string, unknown>;
  entities?: { type?: string; text?: string; mentioned?: { id?: string } }[];
}

/** The tenant an activity came from; channelData is what Teams always sends, conversation a fallback. */
export function tenantOf(activity: TeamsActivity): string | undefined {
  return activity.channelData?.tenant?.id ?? activity.conversation.tenantId;
}

/** The person: their AAD object id (stable across chats), else their Teams user id. */
export function userOf(activity: TeamsActivity): string {
  return activity.from.aadObjectId ?? activity.from.id;
}

/**
 * The channel a message belongs to. In a Teams channel the conversation id names the thread
 * ("19:…@thread.tacv2;messageid=…"); the channel itself is channelData.channel.id. Binding, list
 * scoping, cards and proactive posts are per channel, not per thread. Chats are their conversation.
 */
export function channelIdOf(activity: TeamsActivity): string {
  if (activity.conversation.conversationType !== 'channel') return activity.conversation.id;
  return activity.channelData?.channel?.id ?? activity.conversation.id.split(';')[0]!;
}

/** A personal chat is the bot and one person: replies only, nothing is posted for a team. */
export function kindOf(activity: TeamsActivity): 'channel' | 'direct' {
  return activity.conversation.conversationType === 'personal' ? 'direct' : 'channel';
}

/** How the conversation store names the conversation. */
export function storedKindOf(activity: TeamsActivity): 'channel' | 'groupChat' | 'personal' {
  const type = activity.conversation.conversationType;
  return type === 'personal' ? 'personal' : type === 'groupChat' ? 'groupChat' : 'channel';
}

/**
 * The text without the bot's @mention. teams-ai already removes it (removeRecipientMention);
 * this also covers an activity handled without it, and the leading "closedloop" people type.
 * Anyone else mentioned (a handoff or link target) becomes `@<their id>`, the core's mention
 * form: `userIds` maps a Teams user id (29:…) to the AAD object id the core knows them by.
 */
export function messageText(activity: TeamsActivity, userIds: Record<string, string> = {}): string {
  let text = activity.text ?? '';
  const botId = activity.recipient?.id;
  for (const entity of activity.entities ?? []) {
    const id = entity.mentioned?.id;
    if (entity.type !== 'mention' || !entity.text || !id) continue;
    text = text.split(entity.text).join(id === botId ? ' ' : ` @${userIds[id] ?? id} `);
  }
  text = text.replace(/&nbsp;/g, ' ');
  return text.trim().replace(/^[/@]?closedloop\b[:,]?\s*/i, '').trim();
}

/** The Teams user ids of the people (not the bot) an activity mentions. */
export function mentionedUsers(activity: TeamsActivity): string[] {
  return (activity.entities ?? []).flatMap((e) => (e.type === 'mention' && e.mentioned?.id && e.mentioned.id !== activity.recipient?.id ? [e.mentioned.id] : []));
}

function base(activity: TeamsActivity, tenant: string, email: string | undefined) {
  return {
    actor: { platform: 'teams' as const, tenant, userId: userOf(activity), ...(email ? { verifiedEmail: email } : {}) },
    channel: { id: channelIdOf(activity), kind: kindOf(activity) },
    via: 'teams' as const,
    correlationId: crypto.randomUUID(),
  };
}

const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 32);

/** A typed message, or null when it says nothing (a card submit, an empty message). */
export function fromMessage(activity: TeamsActivity, email?: string, userIds: Record<string, string> = {}): CoreRequest | null {
  const tenant = tenantOf(activity);
  const text = messageText(activity, userIds);
  if (!tenant || !text) return null;
  const deliveryId = `msg:${activity.id ?? hash(`${activity.conversation.id}:${userOf(activity)}:${text}`)}`;
  return { ...base(activity, tenant, email), text, deliveryId };
}

/**
 * An `adaptiveCard/action` invoke, or null when its data is not ours. The same invoke delivered
 * twice carries the same activity id, so it is one delivery; each new press has its own.
 */
export function fromCardAction(activity: TeamsActivity, email?: string): { request: CoreRequest; submission: CardSubmission } | null {
  const tenant = tenantOf(activity);
  const value = (activity.value ?? {}) as { action?: { data?: unknown } };
  const submission = readCardSubmission(value.action?.data);
  if (!tenant || !submission) return null;
  const source: MessageRef | undefined = activity.replyToId
    ? { platform: 'teams', tenant, channelId: channelIdOf(activity), messageId: activity.replyToId } : undefined;
  const key = activity.id ?? hash(JSON.stringify(value.action?.data ?? null));
  const request: CoreRequest = {
    ...base(activity, tenant, email),
    submission: {
      command: submission.command, fields: submission.fields,
      ...(submission.openForm ? { openForm: true } : {}), ...(submission.refreshesSource ? { refreshesSource: true } : {}),
    },
    deliveryId: `act:${userOf(activity)}:${key}`,
    ...(source ? { source } : {}),
  };
  return { request, submission };
}
