/**
 * The outbox's Teams delivery: post a card to a conversation the bot was installed in (from its
 * stored conversation reference), update a posted card. botbuilder's HTTP pipeline already
 * retries 429 (after Retry-After) and 5xx a few times before it rejects; what still fails becomes
 * a DeliveryError so the worker decides. Only the status code is kept: never the payload.
 */
import { CardFactory, MessageFactory, type ConversationReference, type TurnContext } from 'botbuilder';
import { DeliveryError, type ChannelRef, type ConversationStore, type Deliverer, type MessageRef, type MessageView } from '../../src/index.js';
import { cardToActivityText, renderCard } from './render-card.js';

/** What we need of the CloudAdapter: proactive turns. */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

export interface TeamsDelivererOptions {
  adapter: ProactiveAdapter;
  /** The bot's app id; '' in unauthenticated local mode. */
  appId: string | undefined;
  conversations: Pick<ConversationStore, 'find'>;
}

interface SdkError {
  name?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get?: (name: string) => string | undefined } | Record<string, string | undefined> };
}

function retryAfterMs(e: SdkError): number {
  const headers = e.response?.headers;
  const raw = typeof headers?.get === 'function' ? (headers.get as (n: string) => string | undefined)('retry-after') : (headers as Record<string, string | undefined> | undefined)?.['retry-after'];
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status === 429) return new DeliveryError('rate_limited', 'http_429', { retryAfterMs: retryAfterMs(e), cause: err });
  // 412: Teams refused the update because another was in flight; the next attempt usually passes.
  if (status === 412) return new DeliveryError('transient', 'precondition_failed', { cause: err });
  if (status >= 500 || status === 408) return new DeliveryError('transient', `http_${status}`, { cause: err });
  // 401/403: the bot was removed or its credentials are wrong; 404: the conversation or message is gone.
  if (status >= 400) return new DeliveryError('permanent', `http_${status}`, { cause: err });
  // No status: the network, a timeout, or the SDK itself.
  return new DeliveryError('transient', typeof e.code === 'string' && /^[A-Za-z_]{1,40}$/.test(e.code) ? e.code : 'network_error', { cause: err });
}

export function teamsCard(view: MessageView) {
  return MessageFactory.attachment(CardFactory.adaptiveCard(renderCard(view)), cardToActivityText(view));
}

export function createTeamsDeliverer({ adapter, appId, conversations }: TeamsDelivererOptions): Deliverer {
  async function referenceFor(tenant: string, channelId: string): Promise<Partial<ConversationReference>> {
    const stored = await conversations.find('teams', tenant, channelId);
    if (!stored) throw new DeliveryError('permanent', 'no_conversation_reference');
    return stored.reference as Partial<ConversationReference>;
  }

  return {
    platform: 'teams',
    async post(channel: ChannelRef, view: MessageView) {
      const reference = await referenceFor(channel.tenant, channel.channelId);
      let messageId: string | undefined;
      try {
        await adapter.continueConversationAsync(appId ?? '', reference, async (ctx) => {
          messageId = (await ctx.sendActivity(teamsCard(view)))?.id;
        });
      } catch (err) {
        throw toDeliveryError(err);
      }
      if (!messageId) throw new DeliveryError('transient', 'no_activity_id');
      return { messageId };
    },
    async update(message: MessageRef, view: MessageView) {
      const reference = await referenceFor(message.tenant, message.channelId);
      try {
        await adapter.continueConversationAsync(appId ?? '', reference, async (ctx) => {
          await ctx.updateActivity({ ...teamsCard(view), id: message.messageId, type: 'message' });
        });
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
  };
}
