/**
 * Who is acting: a chat account and the member of staff it is linked to. Plain data and wording,
 * here rather than in src/staff (which stores the links), so the command core can name people and
 * explain an unlinked account without depending on the database layer.
 */
import type { Actor } from './actions/transitions.js';

export type StaffMember = Actor & { email: string };

export interface PlatformAccount {
  platform: 'slack' | 'teams' | 'console';
  /** Slack workspace id, Teams tenant id, or "local" for the console. */
  tenant: string;
  /** Slack user id, Teams AAD object id, or the email given to the console. */
  userId: string;
  /** The email the platform has verified for this account, when it says so. */
  verifiedEmail?: string;
}

/** An account without its verified email: what a link is keyed by. */
export type AccountKey = Pick<PlatformAccount, 'platform' | 'tenant' | 'userId'>;

export type Resolution =
  | { status: 'linked'; member: StaffMember; linkedNow: boolean }
  | { status: 'unlinked'; reason: 'no_identity' | 'inactive' };

export const PLATFORM_NAMES: Record<PlatformAccount['platform'], string> = { slack: 'Slack', teams: 'Teams', console: 'console' };

/** How an account appears in the audit trail, e.g. "slack:T0001:U0002". */
export function identityLabel(account: AccountKey): string {
  return `${account.platform}:${account.tenant}:${account.userId}`;
}

/** What somebody whose account is not linked sees: there are no anonymous actions, so say how to get linked. */
export function unlinkedMessage(account: PlatformAccount): string {
  const platform = PLATFORM_NAMES[account.platform];
  const intro = `Your ${platform} account (${identityLabel(account)}) is not linked to anyone on the staff list, so closedloop cannot act for you: every action is recorded against a named person.`;
  if (account.platform === 'console') {
    return `${intro} Start the console with your staff email (closedloop console --as your.email@nhs.net), or ask an admin to add you to staff.csv and import it.`;
  }
  return `${intro} To get linked, either ask an admin to type \`link @you your.email@nhs.net\` (with your email as it is in the staff list), ` +
    `or make sure the verified work email on your ${platform} profile is the one in the staff list; you are then linked automatically the next time you type a command. ` +
    'If you have been marked as having left, ask your team manager to mark you active again in the staff list.';
}
