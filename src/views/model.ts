/**
 * The neutral view model every reply is built as. Adapters render it (Block Kit, Adaptive Cards,
 * plain text); the core never knows which. `fallbackText` is required: it is Slack's `text`, the
 * Teams notification preview, what screen readers read, and the console's output.
 *
 * Patient identity in a view is the pseudonymous reference and display label only. Every word a
 * person reads is chosen in src/views; adapters only lay it out.
 */

export type Tone = 'info' | 'success' | 'warning' | 'urgent' | 'error';

export type ViewBlock =
  | { kind: 'text'; text: string; emphasis?: 'muted' | 'strong' }
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  | { kind: 'list'; items: { text: string; meta?: string; buttons?: ViewButton[] }[]; more?: number }
  | { kind: 'divider' };

/** The structured arguments a button or form submits: validated by the command schema, never re-parsed as text. */
export type SubmissionFields = Record<string, string | number | string[]>;

/** A question a button asks before it runs (e.g. before a waiver). */
export interface ViewConfirm {
  title: string;
  text: string;
  confirm: string;
  deny: string;
}

/** A button runs a command as the person who presses it, with structured fields. */
export interface ViewButton {
  label: string;
  /** The command verb, e.g. "claim". */
  command: string;
  /** The command's arguments by name, e.g. { actionId: 1042 }. */
  fields: SubmissionFields;
  style?: 'primary' | 'danger';
  /** Pressing asks the core for this command's form (Close…, Hand off…, Escalate…) instead of running it. */
  opensForm?: boolean;
  confirm?: ViewConfirm;
  /**
   * The button stands on a view of one action: after it runs, the message it was pressed on is
   * replaced with the action's current card. List buttons leave their list alone.
   */
  refreshesSource?: boolean;
}

export interface ViewLink {
  label: string;
  url: string;
}

/**
 * What a view shows, so a posted copy can be found and re-rendered when its actions change: one
 * action's card, or a digest run (src/db/schema-digest.ts), rebuilt from the register when sent
 * and again whenever an action it shows changes.
 */
export type ViewSubject = { kind: 'action'; actionId: number } | { kind: 'digest'; runId: number };

/**
 * A chart shown with a view (the weekly digest's compliance chart). Stored in `chart_images` and
 * served by the service at `url` (Teams fetches card images by URL; set PUBLIC_BASE_URL). `png`
 * is attached only at delivery, in memory, for platforms that upload the image (Slack's
 * files.uploadV2); it is never serialised into the outbox or a receipt.
 */
export interface ViewImage {
  token: string;
  /** What the chart shows, in words: the image's alt text and what screen readers read. */
  alt: string;
  title: string;
  width: number;
  height: number;
  url?: string;
  png?: Uint8Array;
}

/**
 * A person the post should notify (the duty pharmacist on a red result, the duty lead on an
 * escalation, the holder of a stale claim). `userId` is their account on the platform the view is
 * delivered to, resolved at delivery from their linked identity; without one the name is shown
 * as plain text, so nobody is silently left out.
 */
export interface ViewMention {
  staffId: string;
  name: string;
  userId?: string;
}

export interface MessageView {
  title: string;
  fallbackText: string;
  blocks: ViewBlock[];
  buttons?: ViewButton[];
  links?: ViewLink[];
  tone?: Tone;
  /** Set on views that can be re-rendered from the database (an action card, a digest). */
  subject?: ViewSubject;
  image?: ViewImage;
  /** People to notify; adapters put platform mentions for them at the top of the message. */
  mentions?: ViewMention[];
}

/** Most items any list view shows; the rest are counted in `more` with a hint to narrow the list. */
export const LIST_LIMIT = 25;

/* ------------------------------------------------------------------------------------------------
 * Forms: a neutral form that Slack renders as a modal, Teams as card inputs and the console as
 * prompts. The core builds it (which outcomes, which people), and checks the submission.
 * ---------------------------------------------------------------------------------------------- */

export interface FormOption {
  value: string;
  label: string;
  /** A short explanation shown beside or under the option where the platform allows. */
  hint?: string;
}

interface FieldBase {
  /** The submission field this input fills, e.g. "outcome". */
  name: string;
  label: string;
  required: boolean;
  /** Guidance under the input ("needed for test_booked"). */
  hint?: string;
}

export type FormField =
  | (FieldBase & { kind: 'choice'; options: FormOption[] })
  | (FieldBase & { kind: 'multiChoice'; options: FormOption[] })
  | (FieldBase & { kind: 'text'; maxLength: number; multiline: boolean; placeholder?: string })
  | (FieldBase & { kind: 'date'; min?: string; max?: string })
  | (FieldBase & { kind: 'number'; min: number; max: number })
  /** A person picker restricted to the action's team: values are staff emails. */
  | (FieldBase & { kind: 'person'; options: FormOption[] });

export interface FormView {
  /** Short: Slack modal titles hold 24 characters. */
  title: string;
  /** One or two sentences above the inputs (what the action is about). */
  intro?: string;
  fields: FormField[];
  /** What submitting runs: the command and the fields fixed by the form (e.g. the action id). */
  submit: { label: string; command: string; fields: SubmissionFields };
  /** Field name → what is wrong with it, on a submission the core refused. */
  errors?: Record<string, string>;
  /** A refusal that belongs to no single field. */
  formError?: string;
  /** What was submitted last time, so a form shown again with errors keeps the person's input. */
  values?: SubmissionFields;
}
