/**
 * The load generator of bench/teams.ts: simulated people pressing a card's Claim button, i.e.
 * POSTing `adaptiveCard/action` invokes to /api/messages. An invoke's HTTP response IS the reply
 * (the card that replaces the pressed one for the presser), so a person sends an invoke, waits for
 * the response (timed, and read: a 200 whose body carries an Adaptive Card), reads it for
 * 0.5–1.5 × `thinkMs` and presses again. `intervalMs` instead paces each loop to one invoke per
 * interval: the bare app's run at the real run's rate. The same keep-alive node:http poster as
 * bench/slack-load.ts (fetch costs the load generator several times the CPU per request).
 */
import http from 'node:http';
import { latency, runPeople, type Latency, type PeopleRun } from './support.js';

/** One JSON POST over a kept-alive connection; resolves with the status and the body once read. */
function post(agent: http.Agent, url: URL, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** What the invoke response's card says: its TextBlock texts, joined; null when there is no card. */
export function invokeCardText(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { statusCode?: number; type?: string; value?: { type?: string; body?: unknown[] } };
    if (parsed.statusCode !== 200 || parsed.type !== 'application/vnd.microsoft.card.adaptive' || parsed.value?.type !== 'AdaptiveCard') return null;
    const texts: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') texts.push(o.text);
      for (const key of ['body', 'items', 'columns', 'facts']) if (key in o) walk(o[key]);
    };
    walk(parsed.value.body);
    return texts.join('\n');
  } catch {
    return null;
  }
}

export interface InvokeDriveOptions extends PeopleRun {
  url: URL;
  /** The JSON body of one of person `user`'s invokes. */
  body(user: number, warm: boolean): string;
  /** Sorts an answered card (by its text) for the counts; every response is read either way. */
  classify?(text: string): string;
}

export interface InvokeDrive {
  /** Of the invokes sent in the measured part. */
  response: Latency;
  sent: number;
  /** Warm-up included. */
  sentTotal: number;
  /** Of all invokes, warm-up included: answered 200 with an Adaptive Card, and not. */
  withCard: number;
  notAnswered: number;
  /** Cards by classify()'s answer, warm-up included. */
  kinds: Record<string, number>;
  loadGeneratorCpuPercent: number;
}

export async function driveInvokes(options: InvokeDriveOptions): Promise<InvokeDrive> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.users });
  const samples: number[] = [];
  const kinds: Record<string, number> = {};
  let [sentTotal, withCard, notAnswered] = [0, 0, 0];
  const { loadGeneratorCpuPercent } = await runPeople(options, async (user, measured) => {
    const started = performance.now();
    const answer = await post(agent, options.url, options.body(user, !measured)).catch(() => ({ status: 0, body: '' }));
    const elapsed = performance.now() - started;
    sentTotal += 1;
    const text = answer.status === 200 ? invokeCardText(answer.body) : null;
    if (text === null) notAnswered += 1;
    else {
      withCard += 1;
      const kind = options.classify?.(text) ?? 'card';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    if (measured) samples.push(elapsed);
  });
  agent.destroy();
  return { response: latency(samples, options.seconds), sent: samples.length, sentTotal, withCard, notAnswered, kinds, loadGeneratorCpuPercent };
}
