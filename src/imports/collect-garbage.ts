/**
 * A full garbage collection on demand, for the one moment a bulk import needs it: after its write
 * has committed and its plan is dropped, before the sync that always follows (issue 11).
 *
 * Why it is needed: V8 lets the heap grow to a multiple (up to 4x) of what was live at its last
 * full collection before it collects again. An import's last full collection comes at the end of
 * its validating pass, while the plan is live (190 MB for a 200,000-row register before it was
 * made smaller, ~120 MB now), so V8 then let the heap reach ~800 MB of mostly dead plan, write
 * batches and sync batches before collecting: the 1.2-1.3 GB peak of `closedloop import
 * register` on PGlite, whose own WebAssembly heap (~230 MB) does not grow with the register. One
 * collection once the plan is dead resets the limit to a multiple of what the sync holds
 * (~70 MB), and costs ~40 ms.
 *
 * Node has no API for it without `--expose-gc`, which the CLI is not started with. Setting the
 * flag at run time affects only contexts created afterwards, so a fresh vm context is made to get
 * the `gc` function and the flag is cleared again (the pattern Jest's leak detector uses). Where
 * that fails, nothing happens: the import is slower to give memory back, never wrong.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collector: (() => void) | null | undefined;

/** Runs a full collection when the runtime allows one; otherwise does nothing. */
export function collectGarbage(): void {
  collector ??= findCollector();
  collector?.();
}

function findCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
