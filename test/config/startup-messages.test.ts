/**
 * Configuration a person gets wrong, and what they are told: each message names the variable, what
 * was given and what to do, in our words rather than the validator's or the operating system's
 * (ENOTFOUND, EADDRINUSE, "expected number, received NaN").
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/env.js';
import { listen } from '../../src/server/http.js';

const ZOD_WORDS = /expected (number|string|one of)|received|Invalid (input|option)|Too (small|big)/;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-startup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function problem(env: Record<string, string>): string {
  const loaded = loadConfig(env);
  if (loaded.ok) throw new Error(`accepted ${JSON.stringify(env)}`);
  return loaded.message;
}

describe('environment variables', () => {
  it.each([
    [{ PORT: 'abc' }, /PORT: must be a whole number from 0 to 65535 \(got "abc"\)/],
    [{ PORT: '70000' }, /PORT: must be a whole number from 0 to 65535 \(got "70000"\)/],
    [{ HOST: '999.1.1.1' }, /HOST: must be an IP address or host name of this machine: 127\.0\.0\.1 .*or 0\.0\.0\.0 .*\(got "999\.1\.1\.1"\)/],
    [{ HOST: 'bad host' }, /HOST: must be an IP address or host name .*\(got "bad host"\)/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of debug, info, warn, error \(got "loud"\)/],
    [{ DEMO_DATA: 'yes' }, /DEMO_DATA: must be true or false \(got "yes"\)/],
    [{ OUTBOX_MAX_ATTEMPTS: 'many' }, /OUTBOX_MAX_ATTEMPTS: must be a whole number from 1 to 50 \(got "many"\)/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//],
  ])('%j is refused, named, in our words', (env, message) => {
    const text = problem(env);
    expect(text).toMatch(message);
    expect(text).not.toMatch(ZOD_WORDS);
  });

  it('accepts host names and addresses a server can listen on', () => {
    for (const HOST of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'closedloop.internal', 'my-host']) {
      expect(loadConfig({ HOST }).ok, HOST).toBe(true);
    }
  });
});

describe('listening', () => {
  it('a port in use names PORT and says what to do', async () => {
    const busy = http.createServer();
    const { port } = await listen(busy, 0, '127.0.0.1');
    try {
      const error = await listen(http.createServer(), port, '127.0.0.1').then(() => null, (err: unknown) => err as Error);
      expect(error?.message).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use.*PORT`, 's'));
      expect(error?.message).not.toMatch(/EADDRINUSE/);
    } finally {
      busy.close();
    }
  });

  it('a host name that does not resolve names HOST', async () => {
    const error = await listen(http.createServer(), 0, 'no-such-host.invalid').then(() => null, (err: unknown) => err as Error);
    expect(error?.message).toMatch(/HOST "no-such-host\.invalid" .*127\.0\.0\.1/s);
    expect(error?.message).not.toMatch(/ENOTFOUND|getaddrinfo/);
  });
});

describe('DATA_DIR', () => {
  const run = async (dataDir: string) => {
    const stderr: string[] = [];
    const io: CliIo = { interactive: false, out: () => {}, err: (t) => stderr.push(t) };
    const code = await runCli(['due'], { io, env: { DATA_DIR: dataDir, LOG_LEVEL: 'error' } });
    return { code, err: stderr.join('\n') };
  };

  it('a file given as DATA_DIR is named, with what to do', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const { code, err } = await run(file);
    expect(code).toBe(1);
    expect(err).toMatch(/DATA_DIR .*a-file is a file, not a folder/);
    expect(err).toMatch(/set DATABASE_URL/);
    expect(err).not.toMatch(/EEXIST|Something went wrong/);
  });

  it('a path that cannot be created is named, with the reason in words', async () => {
    const { code, err } = await run(path.join(dir, 'a-file', 'below'));
    expect(code).toBe(1);
    expect(err).toMatch(/DATA_DIR .*below cannot be created: a part of the path is a file, not a folder/);
    expect(err).not.toMatch(/ENOTDIR|Something went wrong/);
  });
});
