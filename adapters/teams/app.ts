/**
 * The Microsoft Teams adapter: a teams-ai Application on a TeamsAdapter (botbuilder's
 * CloudAdapter), served at POST /api/messages on the service's own HTTP server. It only converts
 * and forwards: botbuilder checks the JWT (when an app id is set), each activity becomes a core
 * request, and the core's effects are rendered as Adaptive Cards. Teams has no ephemeral
 * messages, so what is meant for one person goes to their personal chat with the bot, or (for a
 * button press) into the invoke response, which changes the card for the presser only. Channel
 * posts and card updates are not sent here: the outbox delivers them through `deliverer`.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { Application, TeamsAdapter, type AdaptiveCard, type TurnState } from '@microsoft/teams-ai';
import {
  MemoryStorage, TeamsInfo, TurnContext, type Activity, type ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
import type { ConversationStore, Core, CoreResponse, Logger, MessageView } from '../../src/index.js';
import { CANCEL_VERB } from './card-actions.js';
import type { TeamsConfig } from './config.js';
import { createTeamsDeliverer, teamsCard } from './deliver.js';
import { processWith } from './http.js';
import { renderCard } from './render-card.js';
import { renderFormCard } from './render-form.js';
import { fromCardAction, fromMessage, mentionedUsers, storedKindOf, tenantOf, userOf, type TeamsActivity, channelIdOf } from './requests.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';
const EMAIL_TTL_MS = 60 * 60_000;
const NOT_SET_UP = 'This organisation is not set up to use closedloop.';
/** Microsoft's Bot Connector hosts; anything else must be listed in BOT_CONNECTOR_URL_ALLOWLIST. */
const MICROSOFT_CONNECTOR = /^https:\/\/([a-z0-9-]+\.)*(botframework\.com|trafficmanager\.net|teams\.microsoft\.com|teams\.microsoft\.us)(\/|$)/i;

export interface TeamsAdapterOptions {
  core: Core;
  config: TeamsConfig;
  logger: Logger;
  conversations: ConversationStore;
  /** Tests only: a fake OpenID issuer and a fixed outbound token. Production never passes it. */
  auth?: { config: ConfigurationBotFrameworkAuthenticationOptions; credentialsFactory: ConstructorParameters<typeof TeamsAdapter>[1] };
}

export interface TeamsBot {
  /** Serves POST /api/messages on the service's HTTP server. */
  route: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  deliverer: ReturnType<typeof createTeamsDeliverer>;
  mode: 'authenticated' | 'unauthenticated';
}

/** A one-message card for the invoke response (a refusal, a cancelled form). */
const noticeCard = (title: string, text: string): AdaptiveCard => renderCard({ title, fallbackText: text, blocks: [{ kind: 'text', text }] }) as unknown as AdaptiveCard;
const errorCode = (err: unknown): string => {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { statusCode?: unknown; code?: unknown };
  return typeof e.statusCode === 'number' ? `http_${e.statusCode}` : typeof e.code === 'string' ? e.code.slice(0, 40) : 'unknown';
};

export function createTeamsAdapter({ core, config, logger, conversations, auth }: TeamsAdapterOptions): TeamsBot {
  const adapter = auth
    ? new TeamsAdapter(auth.config, auth.credentialsFactory)
    : config.appId
      ? new TeamsAdapter({ MicrosoftAppId: config.appId, MicrosoftAppPassword: config.appPassword, MicrosoftAppType: config.appType, MicrosoftAppTenantId: config.tenantId })
      : new TeamsAdapter({});
  if (!config.appId) logger.warn('teams_unauthenticated', { note: 'no MicrosoftAppId: requests to /api/messages are NOT authenticated; local testing only' });
  const appId = config.appId ?? '';
  const app = new Application<TurnState>({ adapter, storage: new MemoryStorage(), startTypingTimer: false, removeRecipientMention: true });

  const emails = new Map<string, { email: string | undefined; at: number }>();
  /** The person's verified address (Entra e-mail or UPN), cached an hour; failures are no address. */
  async function emailOf(ctx: TurnContext): Promise<string | undefined> {
    const key = `${tenantOf(ctx.activity as TeamsActivity) ?? ''}:${userOf(ctx.activity as TeamsActivity)}`;
    const cached = emails.get(key);
    if (cached && Date.now() - cached.at < EMAIL_TTL_MS) return cached.email;
    let email: string | undefined;
    try {
      const member = await TeamsInfo.getMember(ctx, ctx.activity.from.id);
      email = member.email ?? member.userPrincipalName ?? undefined;
    } catch (err) {
      logger.warn('teams_member_lookup_failed', { error: errorCode(err) });
    }
    if (emails.size >= 10_000) emails.clear();
    emails.set(key, { email, at: Date.now() });
    return email;
  }

  /** The AAD object ids of the people a message mentions (link and handoff targets); unknown ones keep their Teams id. */
  async function aadIdsOf(ctx: TurnContext): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const id of mentionedUsers(ctx.activity as TeamsActivity).slice(0, 5)) {
      try {
        const member = await TeamsInfo.getMember(ctx, id);
        if (member.aadObjectId) ids[id] = member.aadObjectId;
      } catch (err) {
        logger.warn('teams_member_lookup_failed', { error: errorCode(err) });
      }
    }
    return ids;
  }

  const remembered = new Map<string, string>();
  /** Stores the conversation's reference (an install, or a serviceUrl Teams moved); unchanged ones are skipped. */
  async function remember(activity: Activity): Promise<void> {
    const tenant = tenantOf(activity as TeamsActivity);
    if (!tenant) return;
    const channelId = channelIdOf(activity as TeamsActivity);
    const key = `${tenant}:${channelId}`;
    if (remembered.get(key) === activity.serviceUrl) return;
    const kind = storedKindOf(activity as TeamsActivity);
    // Stored for the channel, not the thread: a proactive post then starts its own thread there.
    const reference = JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as { conversation: { id: string } } & Record<string, unknown>;
    reference.conversation.id = channelId;
    await conversations.remember({
      platform: 'teams', tenant, channelId, kind, userId: kind === 'personal' ? userOf(activity as TeamsActivity) : null, reference,
    }, { now: new Date(), correlationId: crypto.randomUUID() });
    if (remembered.size >= 10_000) remembered.clear();
    remembered.set(key, activity.serviceUrl);
  }

  /**
   * Why an activity is refused, or null: a tenant outside TEAMS_ALLOWED_TENANTS (logged by tenant
   * id only), or a serviceUrl that is not Microsoft's nor listed (nothing may be sent there).
   */
  function refusal(activity: Activity): 'tenant' | 'connector' | null {
    const url = activity.serviceUrl ?? '';
    if (!MICROSOFT_CONNECTOR.test(url) && !config.connectorAllowlist.some((prefix) => url.startsWith(prefix))) {
      logger.warn('teams_connector_refused', {});
      return 'connector';
    }
    const tenant = tenantOf(activity as TeamsActivity);
    if (config.allowedTenants && (!tenant || !config.allowedTenants.includes(tenant))) {
      logger.warn('teams_tenant_refused', { tenant: (tenant ?? 'none').slice(0, 60) });
      return 'tenant';
    }
    return null;
  }
  const allowed = (activity: Activity): boolean => refusal(activity) === null;

  /** Sends a card to the person alone: here in a personal chat, else in their personal chat with the bot. */
  async function toPerson(ctx: TurnContext, activity: Partial<Activity>): Promise<void> {
    const incoming = ctx.activity;
    if (incoming.conversation.conversationType === 'personal') {
      await ctx.sendActivity(activity);
      return;
    }
    const tenant = tenantOf(incoming as TeamsActivity)!;
    const stored = await conversations.findPersonal('teams', tenant, userOf(incoming as TeamsActivity));
    if (stored) {
      await adapter.continueConversationAsync(appId, stored.reference, async (personal) => { await personal.sendActivity(activity); });
      return;
    }
    const params = {
      isGroup: false, bot: incoming.recipient, members: [incoming.from], tenantId: tenant, channelData: { tenant: { id: tenant } },
    } as Parameters<TeamsAdapter['createConversationAsync']>[4];
    // Not remembered: a chat the bot opened is not an installation (the store audits each first
    // reference as one), and Teams answers createConversation for an existing 1:1 with that chat.
    await adapter.createConversationAsync(appId, 'msteams', incoming.serviceUrl, '', params, async (personal) => {
      await personal.sendActivity(activity);
    });
  }

  async function render(ctx: TurnContext, response: CoreResponse): Promise<void> {
    for (const effect of response.effects) {
      if (effect.type === 'reply' || effect.type === 'replaceSource') await toPerson(ctx, teamsCard(effect.view));
      else if (effect.type === 'openForm') await toPerson(ctx, { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: renderFormCard(effect.form) }] });
    }
  }

  async function failed(ctx: TurnContext, err: unknown, surface: string): Promise<string> {
    const ref = logger.unexpected(err, { adapter: 'teams', surface });
    await ctx.sendActivity(`Something went wrong on our side (reference ${ref}). Check whether your change went through before trying again.`).catch(() => undefined);
    return ref;
  }

  app.conversationUpdate('membersAdded', async (ctx) => {
    if (!allowed(ctx.activity)) return;
    if (!(ctx.activity.membersAdded ?? []).some((m) => m.id === ctx.activity.recipient.id)) return;
    await remember(ctx.activity).catch((err: unknown) => logger.warn('teams_remember_failed', { error: errorCode(err) }));
  });

  app.activity('installationUpdate', async (ctx) => {
    if (!allowed(ctx.activity) || ctx.activity.action === 'remove') return;
    await remember(ctx.activity).catch((err: unknown) => logger.warn('teams_remember_failed', { error: errorCode(err) }));
  });

  // Not app.message(/…/): its selectors skip activities without text and match anywhere in it.
  app.activity('message', async (ctx) => {
    const refused = refusal(ctx.activity);
    if (refused) {
      if (refused === 'tenant') await ctx.sendActivity(NOT_SET_UP);
      return;
    }
    try {
      const request = fromMessage(ctx.activity as TeamsActivity, undefined, await aadIdsOf(ctx));
      if (!request) return;
      await remember(ctx.activity).catch((err: unknown) => logger.warn('teams_remember_failed', { error: errorCode(err) }));
      const email = await emailOf(ctx);
      if (email) request.actor.verifiedEmail = email;
      await render(ctx, await core.handle(request));
    } catch (err) {
      await failed(ctx, err, 'message');
    }
  });

  /** The card the invoke answers with: it replaces the pressed card for the presser only. */
  function invokeCard(response: CoreResponse): AdaptiveCard {
    const form = response.effects.find((e) => e.type === 'openForm');
    if (form?.type === 'openForm') return renderFormCard(form.form) as unknown as AdaptiveCard;
    const view: MessageView | undefined = response.effects.flatMap((e) => (e.type === 'replaceSource' ? [e.view] : []))[0]
      ?? response.effects.flatMap((e) => (e.type === 'reply' ? [e.view] : []))[0];
    return view ? renderCard(view) as unknown as AdaptiveCard : noticeCard('Done', response.ok ? 'Done.' : 'Nothing was changed.');
  }

  // Every verb: the submission is in the data (see card-actions.ts); ones that are not ours get a notice.
  app.adaptiveCards.actionExecute(/.*/, async (ctx) => {
    if (!allowed(ctx.activity)) return noticeCard('Not available', NOT_SET_UP);
    try {
      const converted = fromCardAction(ctx.activity as TeamsActivity);
      if (!converted || converted.submission.command === 'refresh') {
        logger.warn('teams_unknown_action', { verb: String((ctx.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb ?? 'none').slice(0, 40) });
        return noticeCard('Not available', 'This button is no longer available. Type "closedloop help" to see what you can do.');
      }
      if (converted.submission.command === CANCEL_VERB) return noticeCard('Cancelled', 'Cancelled: nothing was changed.');
      await remember(ctx.activity).catch((err: unknown) => logger.warn('teams_remember_failed', { error: errorCode(err) }));
      const email = await emailOf(ctx);
      if (email) converted.request.actor.verifiedEmail = email;
      return invokeCard(await core.handle(converted.request));
    } catch (err) {
      const ref = logger.unexpected(err, { adapter: 'teams', surface: 'action' });
      return noticeCard('Something went wrong', `Something went wrong on our side (reference ${ref}). Check whether your change went through before trying again.`);
    }
  });

  app.error(async (_ctx, err) => {
    logger.unexpected(err, { adapter: 'teams', surface: 'application' });
  });

  const handler = processWith(adapter, (ctx) => app.run(ctx));
  return {
    mode: config.appId || auth ? 'authenticated' : 'unauthenticated',
    route: (req, res) => {
      if ((req.url ?? '').split('?')[0] !== TEAMS_MESSAGES_PATH) return false;
      handler(req, res).catch((err: unknown) => logger.unexpected(err, { adapter: 'teams', surface: 'http' }));
      return true;
    },
    deliverer: createTeamsDeliverer({ adapter, appId, conversations }),
  };
}
