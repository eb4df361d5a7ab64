/**
 * The outbox's Slack delivery: post a view to a channel, update a posted message. The Web API
 * client makes one attempt (the outbox retries, paces and dead-letters), and its errors become
 * DeliveryErrors the worker understands. Only Slack's error code is kept: never the payload.
 *
 * A chart (the weekly digest's) is uploaded with files.uploadV2 into the thread of the message
 * just posted, once the post has succeeded. See uploadChart for why a failed upload does not
 * fail the delivery.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import { DeliveryError, truncate, type ChannelRef, type Deliverer, type Logger, type MessageRef, type MessageView, type ViewImage } from '../../src/index.js';
import { SLACK_LIMITS } from './limits.js';
import { renderMessage } from './render-message.js';

/** Tries at uploading a chart (rate limits and transient failures only), and the longest wait between them. */
const UPLOAD_TRIES = 2;
const UPLOAD_RETRY_WAIT_MAX_MS = 5_000;
/**
 * A second try starts only this soon after the post began. With the outbox client's 10 s per
 * call (app.ts), a post and two three-call uploads then end within 50 s, inside the outbox's
 * 60 s lease, so no other worker takes the row over and posts it again.
 */
const UPLOAD_RETRY_WITHIN_MS = 15_000;

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

/** A file name from the chart's title (`weekly-compliance.png`): never its token, which is the key to its URL. */
export function chartFilename(title: string): string {
  const slug = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return `${slug || 'chart'}.png`;
}

export function createSlackDeliverer(client: WebClient, logger?: Logger): Deliverer {
  /**
   * Uploads the chart under the post (thread_ts), best effort. By the time it runs the message is
   * in the channel: failing the delivery would make the outbox post the whole digest again, a
   * duplicate everyone sees, to recover a picture. The post already carries the chart's title and
   * alt text (render-message.ts, `attached`), so without the image it still says what the chart
   * shows. A rate limit or transient failure is tried once more after a short wait (well within
   * the outbox lease); what still fails is classified like any other call and logged by its code.
   */
  async function uploadChart(channelId: string, threadTs: string, image: ViewImage & { png: Uint8Array }, startedAt: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.files.uploadV2({
          channel_id: channelId, thread_ts: threadTs, file: Buffer.from(image.png), filename: chartFilename(image.title),
          title: truncate(image.title.trim() || 'Chart', SLACK_LIMITS.fileTitle),
          ...(image.alt.trim() ? { alt_text: truncate(image.alt.trim(), SLACK_LIMITS.fileAltText) } : {}),
        });
        return;
      } catch (err) {
        const error = toDeliveryError(err);
        const wait = Math.min(error.retryAfterMs ?? 1_000, UPLOAD_RETRY_WAIT_MAX_MS);
        if (error.kind === 'permanent' || attempt >= UPLOAD_TRIES || Date.now() + wait - startedAt > UPLOAD_RETRY_WITHIN_MS) {
          logger?.warn('slack_chart_upload_failed', { error: error.code, kind: error.kind, attempts: attempt });
          return;
        }
        await delay(wait);
      }
    }
  }

  return {
    platform: 'slack',
    async post(channel: ChannelRef, view: MessageView) {
      const startedAt = Date.now();
      const message = renderMessage(view, { image: 'attached' });
      let ts: string;
      try {
        const result = await client.chat.postMessage({ channel: channel.channelId, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
        if (!result.ts) throw new DeliveryError('transient', 'no_ts');
        ts = result.ts;
      } catch (err) {
        throw err instanceof DeliveryError ? err : toDeliveryError(err);
      }
      const png = view.image?.png;
      if (view.image && png) await uploadChart(channel.channelId, ts, { ...view.image, png }, startedAt);
      return { messageId: ts };
    },
    async update(ref: MessageRef, view: MessageView) {
      // The chart uploaded under the post stays in its thread: an update re-renders the text only.
      const message = renderMessage(view, { image: 'attached' });
      try {
        await client.chat.update({ channel: ref.channelId, ts: ref.messageId, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
  };
}
