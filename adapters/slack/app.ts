/**
 * The Slack adapter: one Bolt app on the service's HTTP server at POST /slack/events (slash
 * commands, interactivity and events on one URL), or on a Socket Mode connection when an app
 * token is set. It only converts and forwards: Bolt verifies the signature and the timestamp,
 * every payload is acknowledged first, becomes a core request, and the core's effects are
 * rendered (Block Kit replies, modals, App Home). Channel posts and message updates are not sent
 * here: the core queued them in the outbox, which delivers them through `deliverer`.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { App, HTTPReceiver, type RespondFn } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Core, CoreResponse, Deliverer, Logger, MessageView } from '../../src/index.js';
import { boltLogger } from './bolt-logger.js';
import { ACTION_ID_PATTERN, ActionIds, plain } from './buttons.js';
import type { SlackConfig } from './config.js';
import { createSlackDeliverer } from './deliver.js';
import { createEmailLookup } from './identity.js';
import { createWorkQueue } from './work-queue.js';
import { renderHome } from './render-home.js';
import { renderMessage, renderViewBlocks } from './render-message.js';
import { encodeModalMetadata, formErrors, MODAL_CALLBACK_ID, renderModal } from './render-form.js';
import { fromBlockAction, fromSlashCommand, fromViewSubmission, type BlockActionPayload, type FormContext, type SlashCommandPayload, type ViewSubmissionPayload } from './requests.js';

export const SLACK_EVENTS_PATH = '/slack/events';
const HOME_REFRESH_DELAY_MS = 1_000;
/** How long after opening App Home a person counts as looking at it. */
const HOME_VIEWER_MS = 30 * 60_000;
/** Commands worked on at once after their ack (see work-queue.ts); more wait, already acknowledged. */
const AFTER_ACK_CONCURRENCY = 8;
/** Per outbox Web API call (a post, an update, each step of a chart upload): see deliver.ts. */
const OUTBOX_CALL_TIMEOUT_MS = 10_000;
/** Every action_id that ACTION_ID_PATTERN does not match. */
const FOREIGN_ACTION_ID = new RegExp(`^(?!${ACTION_ID_PATTERN.source.slice(1)})`);

export interface SlackAdapterOptions {
  core: Core;
  config: SlackConfig;
  logger: Logger;
}

export interface SlackAdapter {
  /** Serves POST /slack/events on the service's HTTP server; null in Socket Mode. */
  route: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null;
  /** The outbox's way to post and update messages in Slack. */
  deliverer: Deliverer;
  /** Opens the Socket Mode connection (HTTP mode needs nothing). */
  start(): Promise<void>;
  stop(): Promise<void>;
  mode: 'http' | 'socket';
}

/** Where an effect goes when the request is answered. */
interface Reach {
  teamId: string;
  userId: string;
  respond?: RespondFn;
  triggerId?: string;
  /** The pressed message can be replaced through response_url. */
  canReplace: boolean;
  context: FormContext;
}

export function createSlackAdapter({ core, config, logger }: SlackAdapterOptions): SlackAdapter {
  const log = boltLogger(logger);
  const receiver = config.appToken ? undefined : new HTTPReceiver({ signingSecret: config.signingSecret!, endpoints: SLACK_EVENTS_PATH, logger: log });
  // Interactive calls (views.open within the trigger's 3 s, replies) get two quick retries; the
  // outbox's client gets none, because the outbox schedules its own.
  const clientOptions = { ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}), retryConfig: { retries: 2, factor: 1, minTimeout: 200, maxTimeout: 500 } };
  const app = new App({
    token: config.botToken, logger: log, clientOptions,
    ...(receiver ? { receiver } : { appToken: config.appToken!, socketMode: true }),
  });
  // Each call times out well within the outbox's 60 s lease (docs/delivery.md), so a slow call is
  // never taken over and sent again by another worker while it is still running.
  const outboxClient = new WebClient(config.botToken, {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: log, timeout: OUTBOX_CALL_TIMEOUT_MS,
  });
  const emailOf = createEmailLookup(app.client, logger);
  const afterAck = createWorkQueue(AFTER_ACK_CONCURRENCY);

  /** A message shown in a modal: a refusal after a form was submitted, in place of the form. */
  const messageModal = (view: MessageView) => ({
    type: 'modal' as const, title: plain(view.title, 24), close: plain('Close', 24),
    blocks: renderViewBlocks(view, 100, new ActionIds()),
  });

  async function say(reach: Reach, view: MessageView, replace: boolean): Promise<void> {
    const message = renderMessage(view);
    if (reach.respond) {
      await reach.respond({ response_type: 'ephemeral', replace_original: replace && reach.canReplace, text: message.text, blocks: message.blocks });
    } else if (reach.context.channel) {
      await app.client.chat.postEphemeral({ channel: reach.context.channel, user: reach.userId, text: message.text, blocks: message.blocks });
    } else {
      // App Home has no channel: the app's direct messages with the person.
      await app.client.chat.postMessage({ channel: reach.userId, text: message.text, blocks: message.blocks });
    }
  }

  async function publishHome(teamId: string, userId: string): Promise<void> {
    const response = await core.handle({
      text: 'home', actor: { platform: 'slack', tenant: teamId, userId, ...(await emailField(userId)) },
      channel: { id: `home:${userId}`, kind: 'direct' }, via: 'slack', correlationId: crypto.randomUUID(),
    });
    const views = response.effects.flatMap((e) => (e.type === 'reply' ? [e.view] : []));
    await app.client.views.publish({ user_id: userId, view: renderHome(views) });
  }

  /**
   * My changes show on my App Home within a second, if I have it open. Slack renders the Home tab
   * afresh whenever it is opened (app_home_opened), so re-rendering it for someone who has not
   * looked at it recently only costs: under load that was half the service's work. Several
   * changes in one second re-render it once. A failed refresh must not fail the request; the next
   * open or change renders it again.
   */
  const pendingHomes = new Map<string, NodeJS.Timeout>();
  const homeViewers = new Map<string, number>();
  const viewingHome = (teamId: string, userId: string) => {
    if (homeViewers.size >= 10_000) homeViewers.clear();
    homeViewers.set(`${teamId}:${userId}`, Date.now());
  };
  function refreshHomeSoon(teamId: string, userId: string): void {
    const key = `${teamId}:${userId}`;
    if (pendingHomes.has(key) || Date.now() - (homeViewers.get(key) ?? 0) > HOME_VIEWER_MS) return;
    pendingHomes.set(key, setTimeout(() => {
      pendingHomes.delete(key);
      publishHome(teamId, userId).catch((err: unknown) => logger.warn('slack_home_refresh_failed', { error: (err as { code?: string }).code ?? 'unknown' }));
    }, HOME_REFRESH_DELAY_MS));
  }

  async function emailField(userId: string): Promise<{ verifiedEmail?: string }> {
    const email = await emailOf(userId);
    return email ? { verifiedEmail: email } : {};
  }

  /** Renders every effect; posts and updates were queued by the core for the outbox. */
  async function render(response: CoreResponse, reach: Reach): Promise<void> {
    for (const effect of response.effects) {
      if (effect.type === 'reply') await say(reach, effect.view, false);
      else if (effect.type === 'replaceSource') await say(reach, effect.view, true);
      else if (effect.type === 'openForm' && reach.triggerId) {
        const metadata = encodeModalMetadata(effect.form, reach.context);
        await app.client.views.open({ trigger_id: reach.triggerId, view: renderModal(effect.form, metadata) });
      }
    }
    if (response.changed && !response.duplicate) refreshHomeSoon(reach.teamId, reach.userId);
  }

  /** Anything unexpected: logged with a reference the person is shown; never the payload. */
  async function failed(err: unknown, reach: Partial<Reach>): Promise<void> {
    const ref = logger.unexpected(err, { adapter: 'slack' });
    const text = `Something went wrong on our side (reference ${ref}). Check whether your change went through before trying again.`;
    await reach.respond?.({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
  }

  app.command(config.command, async ({ command, ack, respond }) => {
    await ack();
    const reach: Reach = { teamId: command.team_id, userId: command.user_id, respond, triggerId: command.trigger_id, canReplace: false, context: { channel: command.channel_id } };
    await afterAck.run(async () => {
      try {
        const request = fromSlashCommand(command as SlashCommandPayload, await emailOf(command.user_id));
        await render(await core.handle(request), reach);
      } catch (err) {
        await failed(err, reach);
      }
    });
  });

  app.action(ACTION_ID_PATTERN, async ({ ack, body, respond }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const payload = body as unknown as BlockActionPayload & { response_url?: string; view?: { id: string } };
    const teamId = payload.team?.id ?? payload.user.team_id ?? 'unknown';
    const reach: Reach = { teamId, userId: payload.user.id, triggerId: payload.trigger_id, canReplace: Boolean(payload.response_url), context: {} };
    // A press on the Home tab: the person is looking at it.
    if (payload.container?.type === 'view') viewingHome(teamId, payload.user.id);
    if (payload.response_url) reach.respond = respond;
    await afterAck.run(async () => {
      try {
        const converted = fromBlockAction(payload, await emailOf(payload.user.id));
        if (!converted) {
          logger.warn('slack_unknown_button', { actionId: payload.actions[0]?.action_id.slice(0, 60) ?? 'none' });
          return;
        }
        reach.context = converted.context;
        await render(await core.handle(converted.request), reach);
      } catch (err) {
        await failed(err, reach);
      }
    });
  });

  // Slack shows the person an error unless every interaction is acknowledged within 3 s, so an
  // element whose action_id is not one of ours (another app's, an older version's) is
  // acknowledged and ignored rather than left to Bolt's 404.
  app.action(FOREIGN_ACTION_ID, async ({ ack, body }) => {
    await ack();
    const actionId = body.type === 'block_actions' ? body.actions[0]?.action_id : undefined;
    logger.warn('slack_unknown_button', { actionId: actionId?.slice(0, 60) ?? 'none' });
  });

  app.view(MODAL_CALLBACK_ID, async ({ ack, body }) => {
    const payload = body as unknown as ViewSubmissionPayload;
    const reach: Reach = { teamId: payload.team?.id ?? payload.user.team_id ?? 'unknown', userId: payload.user.id, canReplace: false, context: {} };
    let response: CoreResponse;
    try {
      const converted = fromViewSubmission(payload, await emailOf(payload.user.id));
      reach.context = converted.context;
      response = await core.handle(converted.request);
    } catch (err) {
      const ref = logger.unexpected(err, { adapter: 'slack', surface: 'modal' });
      await ack({ response_action: 'update', view: messageModal({ title: 'Something went wrong', fallbackText: '', blocks: [{ kind: 'text', text: `Something went wrong on our side (reference ${ref}). Nothing was changed.` }] }) });
      return;
    }
    // The answer to a modal goes in the acknowledgement: errors beside the fields, or a refusal in place of the form.
    const form = response.effects.find((e) => e.type === 'openForm');
    if (form?.type === 'openForm') {
      const fieldErrors = formErrors(form.form);
      if (Object.keys(fieldErrors).length && !form.form.formError) await ack({ response_action: 'errors', errors: fieldErrors });
      else await ack({ response_action: 'update', view: renderModal(form.form, payload.view.private_metadata) });
      return;
    }
    if (!response.ok) {
      const refusal = response.effects.find((e) => e.type === 'reply');
      await ack(refusal?.type === 'reply' ? { response_action: 'update', view: messageModal(refusal.view) } : undefined);
      return;
    }
    await ack();
    try {
      await render(response, reach);
    } catch (err) {
      logger.unexpected(err, { adapter: 'slack', surface: 'modal_reply' });
    }
  });

  // Another app's (or an old version's) modal: acknowledged so Slack shows no error; nothing runs.
  app.view({ callback_id: /^(?!cl_form$)/ }, async ({ ack, body }) => {
    await ack();
    logger.warn('slack_unknown_modal', { callbackId: String((body as { view?: { callback_id?: string } }).view?.callback_id ?? 'none').slice(0, 60) });
  });

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const teamId = (body as { team_id?: string }).team_id ?? 'unknown';
    viewingHome(teamId, event.user);
    try {
      await publishHome(teamId, event.user);
    } catch (err) {
      logger.unexpected(err, { adapter: 'slack', surface: 'home' });
    }
  });

  app.error(async (err) => {
    logger.unexpected(err, { adapter: 'slack', surface: 'bolt' });
  });

  return {
    mode: receiver ? 'http' : 'socket',
    route: receiver
      ? (req, res) => {
        if ((req.url ?? '').split('?')[0] !== SLACK_EVENTS_PATH) return false;
        receiver.requestListener(req, res);
        return true;
      }
      : null,
    deliverer: createSlackDeliverer(outboxClient, logger),
    start: async () => {
      if (!receiver) await app.start();
    },
    stop: async () => {
      for (const timer of pendingHomes.values()) clearTimeout(timer);
      pendingHomes.clear();
      if (!receiver) await app.stop();
    },
  };
}
