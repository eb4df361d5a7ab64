/**
 * The load generator of bench/slack.ts: simulated people sending signed slash commands, and the
 * response_url endpoint their replies come back to (Slack's hooks.slack.com, here in the load
 * generator's process, not in the service's).
 *
 * A person sends a command, waits for the ack (timed: Slack's 3-second limit) and, when
 * `awaitReply` is set, for the reply on its response_url (timed too: what the person waits for)
 * before sending the next (and, with `thinkMs`, reads it for a moment first). Without that, the ack (sent before any work) would let each of 50
 * loops fire thousands of commands a second, far beyond what 50 people type, and the backlog of
 * work behind the acks would grow without bound. `intervalMs` instead paces each loop to one
 * command per interval: the bare app's run at the real run's command rate.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signSlackBody } from '../test/support/slack-signing.js';
import { latency, runPeople, type Latency, type PeopleRun } from './support.js';

export interface ReplySink {
  /** Where response_urls point: `${base}/r/<id>`. */
  base: string;
  /** Every reply so far: how many, to how many distinct ids, and what they said. */
  counts: { replies: number; distinct: number; claimed: number; refused: number; errors: number };
  /** Resolves with the reply's text when it arrives, or null after `timeoutMs`. Call before sending. */
  expect(id: string, timeoutMs: number): Promise<string | null>;
  close(): Promise<void>;
}

export async function startReplySink(): Promise<ReplySink> {
  const waiters = new Map<string, (text: string) => void>();
  const seen = new Set<string>();
  const counts = { replies: 0, distinct: 0, claimed: 0, refused: 0, errors: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const id = decodeURIComponent((req.url ?? '').replace(/^\/r\//, ''));
      let text = '';
      try {
        text = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: unknown }).text ?? '');
      } catch { /* counted as a refusal below: not a reply we understand */ }
      counts.replies += 1;
      seen.add(id);
      counts.distinct = seen.size;
      if (/ claimed A-\d+\./.test(text)) counts.claimed += 1;
      else if (text.startsWith('Something went wrong')) counts.errors += 1;
      else counts.refused += 1;
      waiters.get(id)?.(text);
      waiters.delete(id);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    expect(id, timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(id);
          resolve(null);
        }, timeoutMs);
        waiters.set(id, (text) => {
          clearTimeout(timer);
          resolve(text);
        });
      });
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * One signed POST over a kept-alive connection; resolves with the status once the body is read.
 * node:http rather than fetch: fetch costs the load generator several times the CPU per request,
 * and on two cores the load generator's CPU is taken from the server under test.
 */
function post(agent: http.Agent, url: URL, secret: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...signSlackBody(secret, body) };
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

export interface DriveOptions extends PeopleRun {
  url: URL;
  secret: string;
  sink: ReplySink;
  /** The form body of one of person `user`'s commands, replying to `responseUrl`. */
  body(user: number, warm: boolean, responseUrl: string): string;
  awaitReply?: boolean;
}

export interface Drive {
  /** Of the commands sent in the measured part. */
  ack: Latency;
  /** From sending to the reply on response_url (awaitReply only). */
  reply: Latency | null;
  sent: number;
  /** Warm-up included. */
  sentTotal: number;
  notAcked: number;
  /** Replies that did not come within REPLY_TIMEOUT_MS. */
  noReply: number;
  loadGeneratorCpuPercent: number;
}

const REPLY_TIMEOUT_MS = 30_000;
let sequence = 0;

export async function drive(options: DriveOptions): Promise<Drive> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.users });
  const acks: number[] = [];
  const replies: number[] = [];
  let [sentTotal, notAcked, noReply] = [0, 0, 0];
  const { loadGeneratorCpuPercent } = await runPeople(options, async (user, measured) => {
    const id = `${user}.${(sequence += 1)}`;
    const reply = options.awaitReply ? options.sink.expect(id, REPLY_TIMEOUT_MS) : null;
    const started = performance.now();
    // A refused or dropped connection counts as a command not acknowledged, as Slack would count it.
    const status = await post(agent, options.url, options.secret, options.body(user, !measured, `${options.sink.base}/r/${id}`)).catch(() => 0);
    const ackMs = performance.now() - started;
    sentTotal += 1;
    const replied = reply && status === 200 ? await reply : null;
    const replyMs = performance.now() - started;
    if (!measured) return;
    acks.push(ackMs);
    if (status !== 200) notAcked += 1;
    else if (reply && replied === null) noReply += 1;
    else if (reply) replies.push(replyMs);
  });
  agent.destroy();
  return {
    ack: latency(acks, options.seconds), reply: options.awaitReply ? latency(replies, options.seconds) : null,
    sent: acks.length, sentTotal, notAcked, noReply, loadGeneratorCpuPercent,
  };
}
