/**
 * The Slack adapter against the shared adapter contract, over real HTTP: signed slash commands,
 * block_actions and view_submission payloads go to real Bolt on our HTTP server, and what the
 * fake Slack Web API receives (response_url messages, channel posts through the outbox, modals)
 * is read back as the person would see it. Retries use Slack's own retry header.
 */
import { adapterContract, type Delivered, type FormSession, type SeenButton } from './adapter-contract.js';
import { shownSince, startSlackHarness, type SeenSlackButton, type SlackHarness } from '../support/slack-harness.js';

const UNLINKED_USER = 'U0NEWSTARTER';

function toSeen(button: SeenSlackButton): SeenButton {
  return { label: button.label, command: button.command, actionId: button.actionId, opensForm: button.opensForm, handle: button };
}

function delivered(h: SlackHarness, before: { calls: number; responses: number }, status: number): Delivered {
  const shown = shownSince(h.fake, before.calls, before.responses);
  // A refusal shows as an error line; an HTTP failure means Slack showed the person an error.
  const ok = status === 200 && !/❌|✗|Not done|Something went wrong/.test(shown.text);
  return { ok, text: shown.text, buttons: shown.buttons.map(toSeen) };
}

type Json = Record<string, unknown>;

/** The values Slack would send for an answer, by the input's element type. */
function stateFor(view: Json, answers: Record<string, string | string[]>): Record<string, Record<string, unknown>> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks as Json[]) {
    if (block.type !== 'input') continue;
    const name = String(block.block_id);
    const element = block.element as Json;
    const answer = answers[name];
    const type = String(element.type);
    const value: Json = { type };
    if (type === 'static_select') value.selected_option = answer === undefined ? null : { value: answer };
    else if (type === 'multi_static_select' || type === 'checkboxes') value.selected_options = ([] as string[]).concat(answer ?? []).map((v) => ({ value: v }));
    else if (type === 'datepicker') value.selected_date = answer ?? null;
    else value.value = answer === undefined ? null : String(answer);
    state[name] = { value };
  }
  return state;
}

adapterContract({
  name: 'slack',
  async createHarness(core, world) {
    const h = await startSlackHarness(core, world.db);
    const mark = () => ({ calls: h.fake.calls.length, responses: h.fake.responses.length });

    async function send(email: string | null, text: string, headers?: Record<string, string>, body?: string): Promise<Delivered & { body: string }> {
      const before = mark();
      // null: a Slack account whose email no member of staff has (users.info does not know it).
      const sent = await h.slash(email === null ? UNLINKED_USER : h.userFor(email), text, { headers, body });
      await h.settle();
      return { ...delivered(h, before, sent.http.status), body: sent.body };
    }

    async function press(email: string, button: SeenButton): Promise<Delivered> {
      const before = mark();
      const response = await h.press(h.userFor(email), button.handle as SeenSlackButton);
      await h.settle();
      return delivered(h, before, response.status);
    }

    return {
      send: (email, text) => send(email, text),
      async sendTwice(email, text) {
        const first = await send(email, text);
        // Slack's retry of the same request: the same body (same trigger id), marked as a retry.
        const second = await send(email, text, { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' }, first.body);
        return [first, second];
      },
      press,
      async pressTwice(email, button) {
        return [await press(email, button), await press(email, button)];
      },
      async openForm(email, button): Promise<FormSession | Delivered> {
        const before = mark();
        const userId = h.userFor(email);
        const response = await h.press(userId, button.handle as SeenSlackButton);
        await h.settle();
        const opened = h.fake.calls.slice(before.calls).find((c) => c.method === 'views.open');
        if (!opened) return delivered(h, before, response.status);
        const view = opened.body.view as Json;
        let current = { id: `V${before.calls}`, private_metadata: String(view.private_metadata) };
        return {
          title: String((view.title as Json).text),
          fields: (view.blocks as Json[]).filter((b) => b.type === 'input').map((b) => ({
            name: String(b.block_id), label: String((b.label as Json).text), required: !b.optional,
            options: (((b.element as Json).options as Json[] | undefined) ?? []).map((o) => String(o.value)),
          })),
          async submit(answers) {
            const at = mark();
            const answered = await h.submitView(userId, current, stateFor(view, answers));
            await h.settle();
            const ack = answered.body ? JSON.parse(answered.body) as Json : {};
            let errors: Record<string, string> | null = null;
            if (ack.response_action === 'errors') errors = ack.errors as Record<string, string>;
            if (ack.response_action === 'update') {
              const updated = ack.view as Json;
              current = { ...current, private_metadata: String(updated.private_metadata ?? current.private_metadata) };
              errors = { form: JSON.stringify(updated.blocks) };
            }
            return { errors, delivered: delivered(h, at, answered.status) };
          },
        };
      },
      sendUnlinked: (text) => send(null, text),
      unlinkedMention: `<@${UNLINKED_USER}>`,
      close: () => h.close(),
    };
  },
});
