/**
 * Slack payloads → core requests. Pure: what the person typed or pressed, who they are, where,
 * and a de-duplication key for the delivery, so a retried delivery or a replayed request is
 * answered from the first reply and changes nothing.
 */
import crypto from 'node:crypto';
import type { CoreRequest, MessageRef, Submission } from '../../src/index.js';
import { decodeButtonValue } from './buttons.js';
import { readModalSubmission } from './render-form.js';

/** What the Slack app keeps in a modal's metadata: where the form was opened from. */
export interface FormContext {
  /** The channel, for the ephemeral reply after the form closes; absent in App Home. */
  channel?: string;
  /** The message the button was on. */
  source?: MessageRef;
}

interface Person {
  teamId: string;
  userId: string;
  email?: string | undefined;
  name?: string | undefined;
}

/** Direct messages (D…) and App Home have no team to post changes to: replies only. */
export function channelKind(channelId: string, channelName?: string): 'channel' | 'direct' {
  return channelId.startsWith('D') || channelName === 'directmessage' ? 'direct' : 'channel';
}

const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 32);

function base(person: Person, channel: { id: string; name?: string | undefined }) {
  return {
    actor: { platform: 'slack' as const, tenant: person.teamId, userId: person.userId, ...(person.email ? { verifiedEmail: person.email } : {}), ...(person.name ? { displayName: person.name.slice(0, 200) } : {}) },
    channel: { id: channel.id, ...(channel.name ? { name: channel.name.slice(0, 200) } : {}), kind: channelKind(channel.id, channel.name) },
    via: 'slack' as const,
    correlationId: crypto.randomUUID(),
  };
}

export interface SlashCommandPayload {
  text: string;
  team_id: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  trigger_id?: string;
}

export function fromSlashCommand(command: SlashCommandPayload, email?: string): CoreRequest {
  // Every invocation has its own trigger id; a replay of the same request carries it again.
  const key = command.trigger_id ?? hash(`${command.team_id}:${command.user_id}:${command.channel_id}:${command.text}`);
  return { ...base({ teamId: command.team_id, userId: command.user_id, email, name: command.user_name }, { id: command.channel_id, name: command.channel_name }), text: command.text ?? '', deliveryId: `cmd:${key}` };
}

export interface BlockActionPayload {
  user: { id: string; team_id?: string; name?: string };
  team?: { id: string } | null;
  channel?: { id: string; name?: string };
  container?: { type?: string; channel_id?: string; message_ts?: string; is_ephemeral?: boolean; view_id?: string };
  /** A button has a value; an overflow menu option its selected_option's value. */
  actions: { action_id: string; value?: string; selected_option?: { value?: string } | null; action_ts?: string }[];
  trigger_id?: string;
}

/** The button pressed, or null when it is not one of ours (a foreign or malformed value). */
export function fromBlockAction(body: BlockActionPayload, email?: string): { request: CoreRequest; submission: Submission; context: FormContext } | null {
  const action = body.actions[0];
  const value = action?.value ?? action?.selected_option?.value;
  const submission = value ? decodeButtonValue(value) : null;
  if (!action || !submission) return null;
  const teamId = body.team?.id ?? body.user.team_id ?? 'unknown';
  // App Home buttons have no channel: reply in the person's direct messages with the bot.
  const channelId = body.container?.channel_id ?? body.channel?.id ?? `home:${body.user.id}`;
  const source: MessageRef | undefined = body.container?.message_ts && body.container.channel_id && !body.container.is_ephemeral
    ? { platform: 'slack', tenant: teamId, channelId: body.container.channel_id, messageId: body.container.message_ts } : undefined;
  // One key per press: Slack does not retry interactions, and a double click is two presses that
  // the core's state checks answer ("you already hold it"), so neither can apply twice.
  const key = action.action_ts ?? body.trigger_id ?? hash(JSON.stringify(body.actions));
  const request: CoreRequest = {
    ...base({ teamId, userId: body.user.id, email, name: body.user.name }, { id: channelId, name: body.channel?.name }),
    submission, deliveryId: `act:${body.user.id}:${key}`, ...(source ? { source } : {}),
  };
  if (channelId.startsWith('home:')) request.channel.kind = 'direct';
  return { request, submission, context: { ...(channelId.startsWith('home:') ? {} : { channel: channelId }), ...(source ? { source } : {}) } };
}

export interface ViewSubmissionPayload {
  user: { id: string; team_id?: string; name?: string };
  team?: { id: string } | null;
  view: { id: string; private_metadata: string; state: { values?: Record<string, Record<string, unknown>> } };
}

/** A submitted modal: the same answers submitted twice are one delivery; corrected answers are a new one. */
export function fromViewSubmission(body: ViewSubmissionPayload, email?: string): { request: CoreRequest; context: FormContext } {
  const read = readModalSubmission({ private_metadata: body.view.private_metadata, state: { values: body.view.state.values ?? {} } });
  const context = (typeof read.context === 'object' && read.context !== null ? read.context : {}) as FormContext;
  const teamId = body.team?.id ?? body.user.team_id ?? 'unknown';
  const channelId = context.channel ?? `home:${body.user.id}`;
  const request: CoreRequest = {
    ...base({ teamId, userId: body.user.id, email, name: body.user.name }, { id: channelId }),
    submission: { command: read.command, fields: read.fields },
    deliveryId: `form:${body.view.id}:${hash(JSON.stringify(read.fields))}`,
    ...(context.source ? { source: context.source } : {}),
  };
  if (!context.channel) request.channel.kind = 'direct';
  return { request, context };
}
