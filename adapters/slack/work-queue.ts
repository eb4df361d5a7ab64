/**
 * Bounded concurrency for the work done after an acknowledgement. Slack needs every request
 * acknowledged within 3 s, and an acknowledgement waits for the event loop: with fifty commands'
 * database round trips and renders in flight, a new request's ack queued behind all of them.
 * Running a few at a time keeps the loop free to acknowledge, and the rest wait their turn here
 * (already acknowledged, so Slack is content), in arrival order.
 */
export interface WorkQueue {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Waiting plus running, for logs and tests. */
  readonly size: number;
}

export function createWorkQueue(concurrency: number): WorkQueue {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return {
    get size() {
      return running + waiting.length;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      running += 1;
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
