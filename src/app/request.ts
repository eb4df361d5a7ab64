/**
 * What an adapter hands the core: one request per slash command, message or button press. The
 * same grammar and the same entry point serve Slack, Teams, the console and the scheduler.
 */
import { z } from 'zod';
import type { MessageView } from '../views/model.js';

export const PLATFORMS = ['slack', 'teams', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const coreRequestSchema = z.object({
  /** What the person typed (with or without a leading "/closedloop"). */
  text: z.string().max(4000).optional(),
  /** A button press: the command and its arguments, exactly as the view's button carried them. */
  button: z.object({ command: z.string().min(1).max(40), args: z.array(z.string().max(400)).max(10) }).optional(),
  actor: z.object({
    platform: z.enum(PLATFORMS),
    /** Slack workspace id, Teams tenant id, "local" for the console. */
    tenant: z.string().min(1).max(200),
    /** Slack user id, AAD object id, or the console's email. */
    userId: z.string().min(1).max(200),
    /** Only an address the platform has verified may link an account automatically. */
    verifiedEmail: z.email().optional(),
    displayName: z.string().max(200).optional(),
  }),
  channel: z.object({ id: z.string().min(1).max(200), name: z.string().max(200).optional() }),
  via: z.enum(['slack', 'teams', 'console', 'scheduler']),
  correlationId: z.string().min(1).max(200),
  /**
   * The platform's id for this delivery (Slack retries and Teams redeliveries reuse it): a
   * request seen before is answered from the first reply and changes nothing.
   */
  deliveryId: z.string().min(1).max(300).optional(),
}).refine((r) => (r.text === undefined) !== (r.button === undefined), { message: 'a request carries either text or a button' });

export type CoreRequest = z.input<typeof coreRequestSchema>;

export interface CoreResponse {
  ok: boolean;
  /** The failure code (NOUN.REASON) when ok is false. */
  code?: string;
  view: MessageView;
  /** Ephemeral replies go to the person who asked; channel replies to everyone. */
  visibility: 'ephemeral' | 'channel';
  /** True when this delivery was seen before and the first reply is being repeated. */
  duplicate?: boolean;
}
