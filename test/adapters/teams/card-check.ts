/**
 * An independent check of a rendered Adaptive Card against what Teams accepts and shows, written
 * from the schema and the Teams docs rather than from adapters/teams/limits.ts, so a wrong
 * constant there cannot hide itself. Returns the problems found (empty when the card is fine).
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every object in a card with the given `type`, wherever it sits (nested cards included). */
export function ofType(node: unknown, type: string): Json[] {
  if (Array.isArray(node)) return node.flatMap((n) => ofType(n, type));
  if (!isObject(node)) return [];
  return [...(node.type === type ? [node] : []), ...Object.values(node).flatMap((v) => ofType(v, type))];
}

/** Every string Teams reads as Markdown: TextBlock texts and Fact titles and values. */
export function markdownTexts(card: unknown): string[] {
  return [
    ...ofType(card, 'TextBlock').map((t) => String(t.text)),
    ...ofType(card, 'FactSet').flatMap((s) => (s.facts as Json[]).flatMap((f) => [String(f.title), String(f.value)])),
  ];
}

const RESERVED = ['c', 'f', 'o', 'r', 's', 'k', 'm', 'n'];

export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(card)) return ['the card is not an object'];
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (bytes > 28_000) problems.push(`card is ${bytes} bytes (design limit 28,000)`);
  if (card.type !== 'AdaptiveCard' || card.version !== '1.5') problems.push('not an Adaptive Card 1.5');
  if (!isObject(card.msteams) || card.msteams.width !== 'Full') problems.push('not full width');
  if (typeof card.fallbackText !== 'string' || !card.fallbackText.trim()) problems.push('no fallbackText');
  if (Array.isArray(card.actions) && card.actions.length > 6) problems.push(`${card.actions.length} card actions (Teams shows 6)`);
  for (const t of ofType(card, 'TextBlock')) if (typeof t.text !== 'string' || !t.text.trim()) problems.push('an empty TextBlock');
  for (const set of ofType(card, 'ActionSet')) {
    const n = (set.actions as unknown[]).length;
    if (n === 0 || n > 6) problems.push(`an ActionSet of ${n} actions (1 to 6)`);
  }
  const actions = ['Action.Execute', 'Action.OpenUrl', 'Action.ShowCard'].flatMap((t) => ofType(card, t));
  for (const a of actions) {
    if (typeof a.title !== 'string' || !a.title.trim() || a.title.length > 40) problems.push(`action title "${String(a.title)}"`);
  }
  for (const a of ofType(card, 'Action.Execute')) {
    const data = a.data as Json | undefined;
    if (typeof a.verb !== 'string' || !a.verb) problems.push('an Action.Execute without a verb');
    if (!isObject(data) || data.c !== a.verb) problems.push(`Action.Execute "${String(a.verb)}" whose data.c is not its verb`);
  }
  for (const a of ofType(card, 'Action.OpenUrl')) if (!/^(https?|mailto):/.test(String(a.url))) problems.push(`link to ${String(a.url)}`);
  const inputs = ['Input.Text', 'Input.Date', 'Input.Number', 'Input.ChoiceSet'].flatMap((t) => ofType(card, t));
  const ids = inputs.map((i) => String(i.id));
  if (new Set(ids).size !== ids.length) problems.push('duplicate input ids');
  for (const id of ids) if (RESERVED.includes(id) || !id) problems.push(`input id "${id}"`);
  for (const i of inputs) if (typeof i.label !== 'string' || !i.label.trim()) problems.push(`input ${String(i.id)} has no label`);
  for (const set of ofType(card, 'Input.ChoiceSet')) {
    const n = (set.choices as unknown[]).length;
    if (n > 100) problems.push(`a choice set of ${n} options (keep to 100)`);
  }
  // Teams fetches card images over the web; screen readers read altText.
  for (const image of ofType(card, 'Image')) {
    if (!/^https?:\/\//.test(String(image.url))) problems.push(`an Image at ${String(image.url)}`);
    if (typeof image.altText !== 'string' || !image.altText.trim()) problems.push('an Image with no altText');
  }
  // A mention is a tag in a TextBlock and an entity with exactly that text (cards-format, "Mention support").
  const entities = (isObject(card.msteams) && Array.isArray(card.msteams.entities) ? card.msteams.entities : []) as Json[];
  const tags = ofType(card, 'TextBlock').flatMap((t) => String(t.text).match(/<at>[^<]*<\/at>/g) ?? []);
  for (const tag of tags) if (!entities.some((e) => e.text === tag)) problems.push(`${tag} has no mention entity`);
  for (const e of entities) {
    const mentioned = e.mentioned as Json | undefined;
    if (e.type !== 'mention' || !tags.includes(String(e.text))) problems.push(`mention entity ${String(e.text)} is not in any TextBlock`);
    if (!isObject(mentioned) || typeof mentioned.id !== 'string' || !mentioned.id || typeof mentioned.name !== 'string') problems.push('a mention entity without id and name');
  }
  return problems;
}
