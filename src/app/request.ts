/**
 * What an adapter hands the core (one request per slash command, message, button press or form
 * submission) and what it gets back: a list of effects to render. The same grammar, schema and
 * entry point serve Slack, Teams, the console and the scheduler.
 */
import { z } from 'zod';
import type { FormView, MessageView, SubmissionFields } from '../views/model.js';

export const PLATFORMS = ['slack', 'teams', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

const fieldValue = z.union([z.string().max(4000), z.number().finite(), z.array(z.string().max(200)).max(50)]);

export const submissionSchema = z.object({
  /** The command verb, e.g. "close". */
  command: z.string().min(1).max(40),
  /** Named arguments, e.g. { actionId: 1042, outcome: "test_booked" }. */
  fields: z.record(z.string().max(40), fieldValue).refine((f) => Object.keys(f).length <= 20, 'too many fields'),
  /** A button that opens the command's form (Close…, Hand off…): return the form, run nothing. */
  openForm: z.boolean().optional(),
  /** Pressed on a view of one action: replace that message with the action's new card. */
  refreshesSource: z.boolean().optional(),
});
export type Submission = z.infer<typeof submissionSchema>;

/** Where a message lives on its platform: enough to update it later. */
export const messageRefSchema = z.object({
  platform: z.enum(PLATFORMS),
  tenant: z.string().min(1).max(200),
  channelId: z.string().min(1).max(200),
  messageId: z.string().min(1).max(300),
});
export type MessageRef = z.infer<typeof messageRefSchema>;

/** A channel on a platform, where the outbox can post. */
export interface ChannelRef {
  platform: Platform;
  tenant: string;
  channelId: string;
}

export const coreRequestSchema = z.object({
  /**
   * What the person typed (with or without a leading "/closedloop"). No length limit here: a line
   * too long to be a command is the person's mistake, not an adapter's, so the grammar refuses it
   * in words with its limit (MAX_CHAT_LINE, VALUE.INVALID) instead of as a malformed request.
   */
  text: z.string().optional(),
  /** A button press or a form submission, as structured fields. */
  submission: submissionSchema.optional(),
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
  channel: z.object({
    id: z.string().min(1).max(200),
    name: z.string().max(200).optional(),
    /**
     * "channel": a shared channel the bot can post in (changes are posted for the team to see).
     * "direct": a direct message or a place the bot cannot post (replies only).
     */
    kind: z.enum(['channel', 'direct']).default('channel'),
  }),
  /** The message a button was pressed on, when the platform says. */
  source: messageRefSchema.optional(),
  via: z.enum(['slack', 'teams', 'console', 'scheduler']),
  correlationId: z.string().min(1).max(200),
  /**
   * The platform's id for this delivery (Slack retries and Teams redeliveries reuse it; a button
   * press carries the press's own id): a request seen before is answered from the first reply
   * and changes nothing.
   */
  deliveryId: z.string().min(1).max(300).optional(),
}).refine((r) => (r.text === undefined) !== (r.submission === undefined), { message: 'a request carries either text or a submission' });

export type CoreRequest = z.input<typeof coreRequestSchema>;
export type CoreRequestParsed = z.output<typeof coreRequestSchema>;

/**
 * What the adapter must do with the result. Every adapter renders every effect:
 * - reply: to the person who asked, only (Slack ephemeral, Teams personal, console output);
 * - replaceSource: replace the message whose button was pressed;
 * - openForm: open the form (Slack modal, Teams card inputs, console prompts); with `errors` set
 *   it is the same form shown again, on a submission the core refused;
 * - post: shown to the whole channel. For platforms that deliver through the outbox (Slack,
 *   Teams) the post is already queued (`outboxId`) and the adapter need not send it; the console
 *   prints it;
 * - update: a posted message that will be re-rendered through the outbox (informational).
 */
export type Effect =
  | { type: 'reply'; view: MessageView }
  | { type: 'replaceSource'; view: MessageView }
  | { type: 'openForm'; form: FormView }
  | { type: 'post'; channel: ChannelRef; view: MessageView; outboxId?: number }
  | { type: 'update'; message: MessageRef; outboxId?: number };

export interface CoreResponse {
  ok: boolean;
  /** The failure code (NOUN.REASON) when ok is false. */
  code?: string;
  effects: Effect[];
  /** True when this delivery was seen before and the first reply is being repeated. */
  duplicate?: boolean;
  /** True when the request changed something (adapters refresh what they show the person, e.g. App Home). */
  changed?: boolean;
}

export type { SubmissionFields };
