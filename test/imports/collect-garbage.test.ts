import vm from 'node:vm';
import { expect, it } from 'vitest';
import { collectGarbage } from '../../src/imports/collect-garbage.js';

/** An object referenced only weakly, created in a job of its own (a WeakRef's target survives the job that made it). */
async function weaklyHeld(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(1000).fill('x') });
  await new Promise((resolve) => setImmediate(resolve));
  return ref;
}

it('collects unreachable objects, without --expose-gc, and leaves no gc function behind', async () => {
  const ref = await weaklyHeld();
  collectGarbage();
  expect(ref.deref()).toBeUndefined();
  // Found once and reused: a second call collects again.
  const second = await weaklyHeld();
  collectGarbage();
  expect(second.deref()).toBeUndefined();
  // The flag set to find the collector is cleared again: contexts made later get no `gc` global
  // (unless the process was started with --expose-gc, when the existing one is used instead).
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') expect(vm.runInNewContext('typeof gc')).toBe('undefined');
});
