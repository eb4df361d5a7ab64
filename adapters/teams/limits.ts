/**
 * The limits the Teams card renderers keep to, as data. Unlike Block Kit, Adaptive Cards publish
 * few hard per-element limits; what Teams refuses is a message that is too big (413
 * `MessageSizeTooBig`), and what it mangles is a card that is too long to read. So most of these
 * are design caps chosen here, each marked as such; the sources are given where one exists.
 *
 * Sources (checked 2026): /work/shared/docs/chat-platforms.md §2 and stack-notes.md §3;
 * learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages (message size);
 * …/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-
 * for-adaptive-cards and …/user-specific-views (refresh, userIds, 60 users); adaptivecards.microsoft.com
 * schema explorer (Action.Execute, Input.*, TextBlock; schema 1.5).
 */
export const TEAMS_LIMITS = {
  /**
   * `Buffer.byteLength(JSON.stringify(card))` at most. The sources disagree: current Teams docs
   * say a message may be ~100 KB (keep under 80 KB), older localised copies and the Bot Framework
   * say ~40 KB, and the Power Automate (Workflows) connector stops at ~28 KB. We design for the
   * smallest (as the issue requires), which also leaves room for the activity envelope and text.
   */
  cardBytes: 28_000,

  /**
   * Teams shows at most 6 actions in one row (its host config's `maxActions`); newer clients put
   * the rest in an overflow "…" menu, older ones drop them. Longer rows are split into rows of 6.
   */
  actionsPerRow: 6,

  /** Action `title`: design cap. Teams truncates long titles with an ellipsis on narrow screens. */
  actionTitle: 40,

  /** Input.ChoiceSet `choices`: design cap (as Slack's 100 options); the core sorts people by name. */
  choiceOptions: 100,
  /** An Input.Choice `title` (its label, and its hint when it has one): design cap. */
  choiceTitle: 150,

  /** TextBlock `text` and Fact `value`: design cap, so one note cannot swallow the card. */
  textBlock: 3000,
  /** The card's title TextBlock and each Fact `title`: design cap. */
  titleText: 300,
  factTitle: 200,
  /** Input `label` and `errorMessage`: design cap. */
  inputLabel: 300,
  errorMessage: 500,
  /** Input.Text `placeholder`: design cap. */
  placeholder: 150,

  /**
   * The card's `fallbackText` (shown by clients that cannot render schema 1.5) and the activity
   * `text` (the notification preview): design cap, kept short because it counts against the card
   * budget and is repeated in the activity.
   */
  fallbackText: 2000,

  /** People one card mentions: design cap (views name one to three). */
  mentions: 20,
  /** A mentioned person's name inside `<at>…</at>`, or in plain text: design cap. */
  mentionName: 100,
  /** Image `altText`: design cap, as Slack's image alt text. */
  imageAltText: 2000,

  /** `refresh.userIds`: "Maximum 60 different users can see a different version of the card" (user-specific views). */
  refreshUserIds: 60,
} as const;
