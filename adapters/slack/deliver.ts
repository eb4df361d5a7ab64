/**
 * The outbox's Slack delivery: post a view to a channel, update a posted message. The Web API
 * client makes one attempt (the outbox retries, paces and dead-letters), and its errors become
 * DeliveryErrors the worker understands. Only Slack's error code is kept: never the payload.
 */
import type { WebClient } from '@slack/web-api';
import { DeliveryError, type ChannelRef, type Deliverer, type MessageRef, type MessageView } from '../../src/index.js';
import { renderMessage } from './render-message.js';

/**
 * Slack errors that no retry will fix: somebody must invite the bot, fix the token or the scopes.
 * https://api.slack.com/methods/chat.postMessage#errors
 */
const PERMANENT = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired',
  'no_permission', 'missing_scope', 'not_authed', 'msg_too_long', 'invalid_blocks', 'invalid_blocks_format', 'too_many_attachments',
  'message_not_found', 'cant_update_message', 'edit_window_closed', 'restricted_action', 'ekm_access_denied', 'team_access_not_granted',
]);

interface SlackSdkError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

export function toDeliveryError(err: unknown): DeliveryError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SlackSdkError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new DeliveryError('rate_limited', 'ratelimited', { retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000, cause: err });
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'platform_error';
      if (code === 'ratelimited') return new DeliveryError('rate_limited', code, { retryAfterMs: 1000, cause: err });
      return new DeliveryError(PERMANENT.has(code) ? 'permanent' : 'transient', code, { cause: err });
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      // 5xx and 408 may pass; any other 4xx is a request Slack will keep refusing.
      const kind = status >= 500 || status === 408 ? 'transient' : 'permanent';
      return new DeliveryError(kind, `http_${status}`, { cause: err });
    }
    default:
      return new DeliveryError('transient', e.code ?? 'network_error', { cause: err });
  }
}

export function createSlackDeliverer(client: WebClient): Deliverer {
  return {
    platform: 'slack',
    async post(channel: ChannelRef, view: MessageView) {
      const message = renderMessage(view);
      try {
        const result = await client.chat.postMessage({ channel: channel.channelId, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
        if (!result.ts) throw new DeliveryError('transient', 'no_ts');
        return { messageId: result.ts };
      } catch (err) {
        throw err instanceof DeliveryError ? err : toDeliveryError(err);
      }
    },
    async update(ref: MessageRef, view: MessageView) {
      const message = renderMessage(view);
      try {
        await client.chat.update({ channel: ref.channelId, ts: ref.messageId, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
  };
}
