/**
 * The core's public surface: the only module adapters (adapters/*) import. Everything a chat
 * platform needs is here: the entry point, the request and its effects, the neutral view and
 * form model, the plain-text renderers, and the delivery port adapters implement.
 */
export { createCore, type CoreOptions } from './create-core.js';
export type { Core, CoreDeps } from './app/core.js';
export type { Stores } from './app/ports.js';
export {
  coreRequestSchema, messageRefSchema, PLATFORMS, submissionSchema,
  type ChannelRef, type CoreRequest, type CoreResponse, type Effect, type MessageRef, type Platform, type Submission,
} from './app/request.js';
export { stripInvocation } from './app/grammar.js';
export type { MessageView, ViewBlock, ViewButton, Tone } from './views/model.js';
export { LIST_LIMIT } from './views/model.js';
export type { FormView, FormField, FormOption, SubmissionFields, ViewLink, ViewConfirm, ViewSubject, ViewImage, ViewMention } from './views/model.js';
export { renderFormText, renderText, typedCommand } from './views/render-text.js';
export { DeliveryError, type Deliverer, type DeliveryErrorKind } from './delivery/ports.js';
export type { Logger, LogFields } from './logging/logger.js';
export { createConversationStore, type ConversationStore, type StoredConversation } from './stores/conversations.js';
export { ELLIPSIS, escapeForTerminal, truncate } from './views/text.js';
