/**
 * Slack's Block Kit limits as data, so the renderers stay within them by construction. Slack
 * refuses a whole message or view that breaks any one of them (`invalid_blocks`,
 * `msg_blocks_too_long`), which in this product would mean a reminder nobody sees.
 *
 * Sources (checked 2026): docs.slack.dev/reference/block-kit/blocks (block counts and per-block
 * fields), …/block-kit/block-elements (buttons, selects, inputs), …/block-kit/composition-objects
 * (text, option and confirmation dialog objects), …/surfaces/modals and …/reference/views (view
 * title, submit, close, private_metadata, callback_id), and /work/shared/docs/chat-platforms.md §1.
 */
export const SLACK_LIMITS = {
  /** "Up to 50 blocks in each message" (blocks reference). */
  messageBlocks: 50,
  /** "100 blocks in modals or Home tabs" (blocks reference, view object). */
  viewBlocks: 100,

  /** Section `text`: 3000 characters (section block; text object maximum). */
  sectionText: 3000,
  /** Section `fields`: at most 10 text objects of 2000 characters each. */
  sectionFields: 10,
  sectionFieldText: 2000,
  /** Header `text`: plain_text, 150 characters. */
  headerText: 150,
  /** Context block: at most 10 elements; each text object holds 3000 characters. */
  contextElements: 10,
  contextText: 3000,
  /** Actions block: at most 25 elements. */
  actionsElements: 25,

  /** Button `text` 75, `value` 2000; every `action_id` and `block_id` 255 characters. */
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,

  /** Confirmation dialog object: title 100, text 300, confirm and deny 30 characters. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,

  /** Select menus hold 100 options; an option's text and description 75 characters, its value 150. */
  selectOptions: 100,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  /** An overflow menu holds 2 to 5 options (…/reference/block-kit/block-elements/overflow-menu-element). */
  overflowOptions: 5,
  overflowOptionValue: 150,
  /** Checkboxes and radio buttons hold at most 10 options. */
  checkboxOptions: 10,
  /** Placeholders on select, date and text inputs: 150 characters. */
  placeholder: 150,
  /** plain_text_input `max_length` may not exceed 3000. */
  textInputMaxLength: 3000,

  /** Input block `label` and `hint`: 2000 characters each. */
  inputLabel: 2000,
  inputHint: 2000,

  /** Modal `title`, `submit` and `close`: 24 characters each (view object). */
  modalTitle: 24,
  modalButton: 24,
  /** View `private_metadata`: 3000 characters; `callback_id`: 255. */
  privateMetadata: 3000,
  callbackId: 255,

  /**
   * Image block (…/reference/block-kit/blocks/image-block): `alt_text` and the `title` text 2000
   * characters each, `image_url` 3000.
   */
  imageAltText: 2000,
  imageTitle: 2000,
  imageUrl: 3000,
  /**
   * files.getUploadURLExternal refuses alt text over 1000 characters (`alt_txt_too_large`,
   * …/reference/methods/files.getUploadURLExternal). The file's title: design cap.
   */
  fileAltText: 1000,
  fileTitle: 250,

  /** People named at the top of one message: design cap (views name one to three). */
  mentions: 20,
  /** One person's name where they have no linked account and are named in plain text: design cap. */
  mentionName: 100,

  /**
   * The message's top-level `text`. Slack truncates it at 40,000 characters, but with blocks
   * present it is only the notification preview and what screen readers announce, so we keep it
   * as short as a section's text.
   */
  fallbackText: 3000,
} as const;
