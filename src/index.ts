/**
 * The core's public surface: the only module adapters (adapters/*) import. Everything a chat
 * platform needs is here: the entry point, the request and response types, the neutral view
 * model and the plain-text renderer.
 */
export { createCore, type Core, type CoreDeps } from './app/core.js';
export { coreRequestSchema, PLATFORMS, type CoreRequest, type CoreResponse, type Platform } from './app/request.js';
export { stripInvocation } from './app/grammar.js';
export type { MessageView, ViewBlock, ViewButton, Tone } from './views/model.js';
export { LIST_LIMIT } from './views/model.js';
export { renderText } from './views/render-text.js';
