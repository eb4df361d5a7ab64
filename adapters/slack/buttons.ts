/**
 * Buttons: the core's ViewButton as a Block Kit button, and the press decoded back into the
 * structured fields it was drawn with. The button carries the submission itself in `value`, so a
 * press needs no lookup and no server-side state; the core validates it again like any request.
 *
 * `action_id` is `cl:<command>:<n>`, n counting buttons within one message or view (Slack wants
 * action_ids unique per message). The Slack app listens with `app.action(ACTION_ID_PATTERN, …)`
 * and never reads meaning from the id: everything is in the value.
 */
import type { Button, ConfirmationDialog, PlainTextElement } from '@slack/web-api';
import { z } from 'zod';
import type { Submission, ViewButton, ViewConfirm } from '../../src/index.js';
import { truncate } from './escape.js';
import { SLACK_LIMITS } from './limits.js';

export const ACTION_ID_PREFIX = 'cl:';
/** Matches every action_id these renderers make (for Bolt's `app.action`). */
export const ACTION_ID_PATTERN = /^cl:[^:]+:\d+$/;

/** Slack refuses an empty text object; a dash keeps the layout when the core sends nothing. */
export function orDash(text: string): string {
  return text.trim() ? text : '—';
}

/** Plain text needs no escaping: Slack parses neither mentions nor links in `plain_text`. */
export function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(orDash(text), max), emoji: true };
}

/** Numbers a message's or view's buttons so their action_ids are unique within it. */
export class ActionIds {
  private n = 0;

  next(command: string): string {
    const id = `${ACTION_ID_PREFIX}${command}:${this.n++}`;
    if (id.length > SLACK_LIMITS.actionId) throw new Error(`Slack action_id longer than ${SLACK_LIMITS.actionId} characters for command "${command.slice(0, 40)}…"`);
    return id;
  }
}

/** The press payload: short keys, because the value holds 2000 characters and fields can be long. */
const buttonValueSchema = z.strictObject({
  c: z.string().min(1).max(40),
  f: z.record(z.string().max(40), z.union([z.string(), z.number().finite(), z.array(z.string())])),
  o: z.literal(1).optional(),
  r: z.literal(1).optional(),
});

export function encodeButtonValue(button: Pick<ViewButton, 'command' | 'fields' | 'opensForm' | 'refreshesSource'>): string {
  const value = JSON.stringify({
    c: button.command,
    f: button.fields,
    ...(button.opensForm ? { o: 1 } : {}),
    ...(button.refreshesSource ? { r: 1 } : {}),
  });
  // The core never draws such a button; failing loudly beats a message Slack refuses whole.
  if (value.length > SLACK_LIMITS.buttonValue) throw new Error(`Slack button value for "${button.command}" is ${value.length} characters (limit ${SLACK_LIMITS.buttonValue})`);
  return value;
}

/**
 * The submission a pressed button carries, or null for a value this renderer did not make
 * (another app's button, an old format, a tampered payload).
 */
export function decodeButtonValue(value: string): Submission | null {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  const parsed = buttonValueSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { c, f, o, r } = parsed.data;
  return { command: c, fields: f, ...(o ? { openForm: true } : {}), ...(r ? { refreshesSource: true } : {}) };
}

function confirmDialog(confirm: ViewConfirm, danger: boolean): ConfirmationDialog {
  return {
    title: plain(confirm.title, SLACK_LIMITS.confirmTitle),
    text: plain(confirm.text, SLACK_LIMITS.confirmText),
    confirm: plain(confirm.confirm, SLACK_LIMITS.confirmButton),
    deny: plain(confirm.deny, SLACK_LIMITS.confirmButton),
    ...(danger ? { style: 'danger' as const } : {}),
  };
}

export function renderButton(button: ViewButton, ids: ActionIds): Button {
  return {
    type: 'button',
    action_id: ids.next(button.command),
    text: plain(button.label, SLACK_LIMITS.buttonText),
    value: encodeButtonValue(button),
    ...(button.style ? { style: button.style } : {}),
    ...(button.confirm ? { confirm: confirmDialog(button.confirm, button.style === 'danger') } : {}),
  };
}
