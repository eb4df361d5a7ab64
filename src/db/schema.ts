/**
 * The whole schema, one import surface (drizzle-kit reads this file). Each part lives in its own
 * file and imports only the parts below it, so there are no import cycles:
 *   schema-register  teams, patients, prescriptions, events, rule sets
 *   schema-workflow  staff, identities, channels, actions, audit trail
 *   schema-delivery  posted messages and the delivery outbox
 *   schema-digest    digest runs, escalation sweep steps, chart images
 */
export * from './schema-register.js';
export * from './schema-workflow.js';
export * from './schema-delivery.js';
export * from './schema-digest.js';
