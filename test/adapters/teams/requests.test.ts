import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromCardAction, fromMessage, messageText, storedKindOf, type TeamsActivity } from '../../../adapters/teams/requests.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (file: string): any => JSON.parse(readFileSync(new URL(`../../fixtures/teams/${file}`, import.meta.url), 'utf8'));
const recorded = (stamp: string): TeamsActivity => fixture(`botbuilder-js-integrationBot-recordings/requests/${stamp}-request-integrationBot.json`).body;
const EXECUTE = 'teams-net-captured/invoke.adaptiveCard_action.Action.Execute.personal.json';

describe('Teams activities → core requests', () => {
  it('a channel @mention: the mention removed, tenant, AAD id, the channel (not the thread) as channel, the activity id as delivery', () => {
    const activity = recorded('20191020025610932');
    const request = fromMessage(activity, 'dave@nhs.test');
    expect(request).toMatchObject({
      text: 'show members', via: 'teams', deliveryId: `msg:${activity.id}`,
      actor: { platform: 'teams', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', userId: '6b703ce3-6d14-4fe6-b90c-dc5f03657ae4', verifiedEmail: 'dave@nhs.test' },
      channel: { id: (activity.channelData as { channel: { id: string } }).channel.id, kind: 'channel' },
    });
    expect(storedKindOf(activity)).toBe('channel');
  });

  it('a reply inside a channel thread belongs to the channel: ";messageid=" never splits a binding or a card', () => {
    const activity = recorded('20191020025610932');
    const thread = { ...activity, conversation: { ...activity.conversation, id: '19:mdt@thread.tacv2;messageid=1571521200000' }, channelData: { ...activity.channelData, channel: undefined } };
    expect(fromMessage(thread as TeamsActivity)?.channel.id).toBe('19:mdt@thread.tacv2');
    const withChannel = { ...thread, channelData: { ...activity.channelData, channel: { id: '19:mdt@thread.tacv2' } } };
    expect(fromMessage(withChannel as TeamsActivity)?.channel.id).toBe('19:mdt@thread.tacv2');
  });

  it('a personal chat is direct; a leading "closedloop" is dropped; no e-mail, no verifiedEmail', () => {
    const activity = { ...recorded('20191021205338231'), text: 'closedloop mine' };
    const request = fromMessage(activity);
    expect(request).toMatchObject({ text: 'mine', channel: { kind: 'direct' } });
    expect(request?.actor.verifiedEmail).toBeUndefined();
    expect(storedKindOf(activity)).toBe('personal');
  });

  it('falls back to conversation.tenantId and from.id; a message with no text is no request', () => {
    const activity = recorded('20191021205338231');
    const bare = { ...activity, channelData: {}, from: { id: '29:abc' } };
    expect(fromMessage(bare)?.actor).toMatchObject({ tenant: activity.conversation.tenantId, userId: '29:abc' });
    expect(fromMessage(recorded('20191020020633146'))).toBeNull();
    expect(messageText({ ...activity, text: 'closedloop&nbsp;claim 12' })).toBe('claim 12');
  });

  it('another person mentioned becomes @<their AAD id> for the core', () => {
    const activity = { ...recorded('20191021205338231'), text: 'link <at>New Starter</at> a@nhs.test',
      entities: [{ type: 'mention', text: '<at>New Starter</at>', mentioned: { id: '29:new' } }] };
    expect(messageText(activity, { '29:new': 'aad-new' })).toBe('link  @aad-new  a@nhs.test');
    expect(fromMessage(activity, undefined, { '29:new': 'aad-new' })?.text).toBe('link  @aad-new  a@nhs.test');
  });

  it('an Action.Execute: the submission from its data, the pressed card as source, one delivery per invoke id', () => {
    const activity = fixture(EXECUTE);
    activity.value.action.data = { c: 'claim', f: { actionId: 12 }, r: 1 };
    const converted = fromCardAction(activity);
    expect(converted?.request).toMatchObject({
      submission: { command: 'claim', fields: { actionId: 12 }, refreshesSource: true },
      deliveryId: `act:${activity.from.aadObjectId}:${activity.id}`,
      source: { platform: 'teams', tenant: activity.channelData.tenant.id, channelId: activity.conversation.id, messageId: activity.replyToId },
      channel: { kind: 'direct' },
    });
    expect(fromCardAction(activity)?.request.deliveryId).toBe(converted?.request.deliveryId);
  });

  it('a form submit merges the inputs under the fixed fields; foreign data is no request', () => {
    const activity = fixture(EXECUTE);
    activity.value.action.data = { c: 'close', f: { actionId: 12 }, s: 1, outcome: 'test_booked', actionId: '99' };
    expect(fromCardAction(activity)?.request.submission).toEqual({ command: 'close', fields: { actionId: 12, outcome: 'test_booked' } });
    expect(fromCardAction(fixture(EXECUTE))).toBeNull(); // the capture's { feedback } is not ours
  });
});
