/**
 * The App Home tab: several views (e.g. "Your actions", "Your team's red actions") one after the
 * other, divided, within the 100 blocks a Home view holds. One ActionIds numbers every button so
 * action_ids are unique across the whole tab.
 */
import type { HomeView } from '@slack/web-api';
import type { MessageView } from '../../src/index.js';
import { ActionIds } from './buttons.js';
import { SLACK_LIMITS } from './limits.js';
import { mrkdwn, renderViewBlocks, type SlackBlock } from './render-message.js';

export interface SlackHome extends HomeView {
  blocks: SlackBlock[];
}

/**
 * Below this many blocks left, a further view is not started: a header and a notice with nothing
 * between them helps nobody.
 */
const MIN_SECTION_BLOCKS = 4;

export function renderHome(sections: MessageView[]): SlackHome {
  const ids = new ActionIds();
  const blocks: SlackBlock[] = [];
  // One block is always kept back for the line that counts the views not shown.
  const budget = SLACK_LIMITS.viewBlocks - 1;
  let shown = 0;
  for (const view of sections) {
    const divider = blocks.length ? 1 : 0;
    const left = budget - blocks.length - divider;
    if (left < MIN_SECTION_BLOCKS) break;
    // Each view keeps to a message's 50 so it reads the same as when posted; the last one that
    // fits is cut to what is left (its own notice counting what it dropped).
    const rendered = renderViewBlocks(view, Math.min(left, SLACK_LIMITS.messageBlocks), ids);
    if (divider) blocks.push({ type: 'divider' });
    blocks.push(...rendered);
    shown += 1;
  }
  const hidden = sections.length - shown;
  if (hidden > 0) blocks.push({ type: 'context', elements: [mrkdwn(`${hidden} more not shown.`)] });
  return { type: 'home', blocks };
}
