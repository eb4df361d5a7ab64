/**
 * The Teams adapter against the shared adapter contract, over real HTTP: activities as Teams
 * sends them (a channel @mention, Action.Execute invokes) go to the real teams-ai Application on
 * our /api/messages route, and what the person sees is read back from the fake Bot Connector
 * (cards sent to their personal chat, channel posts through the outbox) and from invoke
 * responses (the card that replaces the pressed one for the presser). Redeliveries reuse the
 * activity id, as Teams does.
 */
import { adapterContract, type Delivered, type FormSession, type SeenButton } from './adapter-contract.js';
import { readCard, shownSince, startTeamsHarness, type SeenTeamsButton, type TeamsHarness } from '../support/teams-harness.js';

const UNLINKED = '<at>New Starter</at>';
const REFUSED = /❌|✗|Not done|Something went wrong/;

function toSeen(button: SeenTeamsButton): SeenButton {
  return { label: button.label, command: button.command, actionId: button.actionId, opensForm: button.opensForm, handle: button };
}

function delivered(h: TeamsHarness, before: number, status: number, extra?: { text: string; buttons: SeenTeamsButton[] }): Delivered {
  const shown = shownSince(h.fake, before);
  const text = [extra?.text ?? '', shown.text].filter(Boolean).join('\n');
  return { ok: status === 200 && !REFUSED.test(text), text, buttons: [...(extra?.buttons ?? []), ...shown.buttons].map(toSeen) };
}

/** The card an invoke answered with (Teams replaces the pressed card with it, for the presser). */
function invokeCard(body: unknown): unknown {
  const b = (body ?? {}) as { type?: string; value?: unknown };
  return b.type === 'application/vnd.microsoft.card.adaptive' ? b.value : undefined;
}

adapterContract({
  name: 'teams',
  async createHarness(core, world) {
    const h = await startTeamsHarness(core, world.db);
    const unlinked = h.accountFor(null);

    async function send(email: string | null, text: string, id?: string): Promise<Delivered> {
      const before = h.fake.calls.length;
      const entities = text.includes(UNLINKED) ? [{ type: 'mention', text: UNLINKED, mentioned: { id: unlinked.id, name: 'New Starter' } }] : [];
      const sent = await h.message(h.accountFor(email), text, { ...(id ? { id } : {}), entities });
      await h.settle();
      return delivered(h, before, sent.status);
    }

    async function press(email: string, button: SeenButton, data?: Record<string, unknown>, id?: string) {
      const before = h.fake.calls.length;
      const b = button.handle as SeenTeamsButton;
      const response = await h.invoke(h.accountFor(email), { ...b, data: data ?? b.data }, id ? { id } : {});
      await h.settle();
      const card = invokeCard(response.body);
      const read = card ? readCard(card, { messageId: b.messageId, conversationId: b.conversationId }) : undefined;
      return { response, card, read, delivered: delivered(h, before, response.status, read) };
    }

    return {
      send: (email, text) => send(email, text),
      async sendTwice(email, text) {
        const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
        return [await send(email, text, id), await send(email, text, id)];
      },
      press: async (email, button) => (await press(email, button)).delivered,
      async pressTwice(email, button) {
        const id = `f:double-${Date.now()}-${Math.random()}`;
        return [(await press(email, button, undefined, id)).delivered, (await press(email, button, undefined, id)).delivered];
      },
      async openForm(email, button): Promise<FormSession | Delivered> {
        const opened = await press(email, button);
        if (!opened.read?.inputs.length) return opened.delivered;
        const source = button.handle as SeenTeamsButton;
        let form = opened.card as { actions?: { data?: Record<string, unknown> }[] };
        let read = opened.read;
        return {
          title: read.text.split('\n')[0] ?? '',
          fields: read.inputs.map((i) => ({ name: i.id, label: i.label, required: i.required, options: i.options })),
          async submit(answers) {
            const submit = form.actions?.find((a) => a.data?.s === 1);
            if (!submit?.data) throw new Error('the form card has no submit action');
            const data: Record<string, unknown> = { ...submit.data };
            for (const [k, v] of Object.entries(answers)) data[k] = Array.isArray(v) ? v.join(',') : v;
            const answered = await press(email, { ...toSeen(source), handle: { ...source, verb: String(submit.data.c) } }, data);
            if (answered.read?.inputs.length) {
              form = answered.card as typeof form;
              read = answered.read;
              const errors: Record<string, string> = Object.fromEntries(read.inputs.flatMap((i) => (i.error ? [[i.id, i.error]] : [])));
              if (read.formError) errors.form = read.formError;
              return { errors: Object.keys(errors).length ? errors : { form: read.text }, delivered: answered.delivered };
            }
            return { errors: null, delivered: answered.delivered };
          },
        };
      },
      sendUnlinked: (text) => send(null, text),
      unlinkedMention: UNLINKED,
      close: () => h.close(),
    };
  },
});
