/** Reading a core response in tests: the view the person is shown (a reply or a replaced card). */
import type { CoreResponse, MessageView } from '../../src/index.js';

export function shownView(response: CoreResponse): MessageView {
  const effect = response.effects.find((e) => e.type === 'reply' || e.type === 'replaceSource');
  if (!effect || (effect.type !== 'reply' && effect.type !== 'replaceSource')) throw new Error(`no reply in ${JSON.stringify(response.effects.map((e) => e.type))}`);
  return effect.view;
}
