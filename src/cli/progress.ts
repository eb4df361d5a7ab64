/**
 * Progress for long imports: redrawn in place on a terminal, a line every 10% (or every
 * 250,000 rows when the total is unknown) otherwise, so CI logs stay readable.
 */
import type { CliIo } from './context.js';

export type ProgressPhase = 'validating' | 'writing';

/** `unit` names what is counted (rows of a file, patients of a sync, events of the audit trail). */
export function progressPrinter(io: CliIo, label: string, unit = 'rows') {
  let lastReported = -1;
  return (done: number, total?: number, phase: ProgressPhase = 'writing') => {
    const step = total ? Math.max(1, Math.floor(total / 10)) : 250_000;
    const bucket = Math.floor(done / step);
    const finished = total !== undefined && done >= total;
    if (bucket === lastReported && !finished) return;
    lastReported = finished ? -1 : bucket;
    const amount = total ? `${done.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')} ${unit}` : `${done.toLocaleString('en-GB')} ${unit}`;
    io.err(`${label}: ${phase} ${amount}`);
  };
}
