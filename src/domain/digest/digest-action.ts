/**
 * What digests and escalation sweeps read about a live action: the record every list shows, plus
 * when it last changed (a claimed action untouched for the team's stale limit is stale).
 */
import type { ActionRecord } from '../actions/records.js';

export type DigestAction = ActionRecord & { updatedAt: Date };
