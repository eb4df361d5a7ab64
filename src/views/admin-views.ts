/** What an admin is told after linking an account or binding a channel. */
import { messageView } from './common-views.js';
import type { MessageView } from './model.js';

export function linkedView(name: string, email: string, platform: string): MessageView {
  return messageView('Account linked', `${name} (${email}) can now use closedloop from this ${platform} account.`, 'success');
}

export function boundView(team: string, purpose: 'mdt' | 'managers', changed: boolean): MessageView {
  const whose = purpose === 'managers' ? `${team}'s managers' channel` : `${team}'s channel`;
  const what = purpose === 'managers' ? 'weekly digests for the team\'s managers go here' : 'lists and digests here show that team';
  return messageView('Channel bound', changed ? `This channel is now ${whose}: ${what}.` : `This channel was already ${whose}.`, 'success');
}
