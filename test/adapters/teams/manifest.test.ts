/**
 * The Teams app package an admin uploads: `npm run teams:package` (scripts/teams-package.mjs) fills
 * adapters/teams/manifest/manifest.template.json from the environment and zips it with the two
 * icons. The zip is read back here with a small reader of our own, so the test checks the bytes
 * Teams will get, not the writer's idea of them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../src/views/command-help.js';

const root = path.resolve(import.meta.dirname, '../../..');
const manifestDir = path.join(root, 'adapters/teams/manifest');
const script = path.join(root, 'scripts/teams-package.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-teams-'));
const APP_ID = '4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const HOST = 'closedloop.example.nhs.uk';

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the packaging script with exactly these settings (nothing inherited from the caller's Teams variables). */
function runPackage(settings: Record<string, string>, out: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(MicrosoftApp|PUBLIC_HOST$|TEAMS_)/.test(key)) env[key] = value;
  }
  return spawnSync(process.execPath, [script, '--out', out], { cwd: root, env: { ...env, ...settings }, encoding: 'utf8' });
}

/** The files in a ZIP archive, read from its central directory (stored or deflated entries). */
function readZip(archive: Buffer): Map<string, Buffer> {
  const eocd = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd, 'end of central directory').toBeGreaterThanOrEqual(0);
  const count = archive.readUInt16LE(eocd + 10);
  let at = archive.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at), 'central directory header').toBe(0x02014b50);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const skip = archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    expect(archive.readUInt32LE(local), `local header of ${name}`).toBe(0x04034b50);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const stored = archive.subarray(start, start + compressedSize);
    expect([0, 8], `method of ${name}`).toContain(method);
    const data = method === 8 ? zlib.inflateRawSync(stored) : stored;
    expect(data.length, `size of ${name}`).toBe(size);
    if (typeof zlib.crc32 === 'function') expect(zlib.crc32(data) >>> 0, `CRC-32 of ${name}`).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + skip;
  }
  return files;
}

function pngHeader(bytes: Buffer) {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature').toBe(true);
  expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25] };
}

interface Manifest {
  id: string;
  version: string;
  name: { short: string };
  description: { short: string };
  icons: { color: string; outline: string };
  validDomains: string[];
  bots: { botId: string; scopes: string[]; commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[];
}

describe('Teams app manifest template', () => {
  const template = fs.readFileSync(path.join(manifestDir, 'manifest.template.json'), 'utf8');

  it('is valid JSON with placeholders for the app id, the host and the version', () => {
    expect(() => JSON.parse(template)).not.toThrow();
    for (const placeholder of ['${MICROSOFT_APP_ID}', '${PUBLIC_HOST}', '${APP_VERSION}']) expect(template).toContain(placeholder);
    const manifest = JSON.parse(template) as Manifest;
    expect(manifest.id).toBe('${MICROSOFT_APP_ID}');
    expect(manifest.bots[0]?.botId).toBe('${MICROSOFT_APP_ID}');
    expect(manifest.validDomains).toEqual(['${PUBLIC_HOST}']);
  });

  it('says what closedloop is without making clinical claims', () => {
    const { description } = JSON.parse(template) as { description: { full: string } };
    expect(description.full).toContain('supports clinical decisions; it does not make them');
    expect(description.full).toContain('pseudonymous');
  });
});

describe('npm run teams:package', () => {
  const out = path.join(tmp, 'closedloop-teams.zip');
  let run: ReturnType<typeof runPackage>;
  beforeAll(() => {
    run = runPackage({ MicrosoftAppId: APP_ID, PUBLIC_HOST: HOST }, out);
  });

  it('writes a zip holding exactly manifest.json and the two icons, and says where and what next', () => {
    expect(run.stderr.replace(/^Warning: .*\n/gm, '')).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(out);
    expect(run.stdout).toContain(`https://${HOST}/api/messages`);
    expect(run.stdout).toMatch(/Next: upload/);
    expect([...readZip(fs.readFileSync(out)).keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
  });

  it('fills the app id into the manifest id and the bot id, and the host into validDomains', () => {
    const manifest = JSON.parse(readZip(fs.readFileSync(out)).get('manifest.json')!.toString('utf8')) as Manifest;
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0]?.botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual([HOST]);
    expect(manifest.version).toBe(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(JSON.stringify(manifest)).not.toContain('${');
  });

  it('has a command menu for every scope, at most 10 real commands each', () => {
    const manifest = JSON.parse(readZip(fs.readFileSync(out)).get('manifest.json')!.toString('utf8')) as Manifest;
    const bot = manifest.bots[0]!;
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot.commandLists.flatMap((list) => list.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    const known: readonly string[] = COMMAND_NAMES;
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeGreaterThan(0);
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const command of list.commands) {
        expect(known, `"${command.title}" is not a closedloop command`).toContain(command.title);
        expect(command.description.length).toBeGreaterThan(0);
        expect(command.description.length).toBeLessThanOrEqual(128);
      }
      expect(list.commands.map((c) => c.title)).toContain('help');
    }
  });

  it('packs a 192×192 colour icon and a 32×32 outline icon with a transparent background', () => {
    const files = readZip(fs.readFileSync(out));
    expect(pngHeader(files.get('color.png')!)).toMatchObject({ width: 192, height: 192 });
    expect(pngHeader(files.get('outline.png')!)).toMatchObject({ width: 32, height: 32, colourType: 6 });
    expect(files.get('color.png')!.equals(fs.readFileSync(path.join(manifestDir, 'color.png')))).toBe(true);
  });

  it('refuses a missing MicrosoftAppId, naming it, and writes nothing', () => {
    const missing = path.join(tmp, 'missing.zip');
    const refused = runPackage({ PUBLIC_HOST: HOST }, missing);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('MicrosoftAppId is not set');
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('refuses a MicrosoftAppId that is not a GUID, without echoing it (it may be the secret)', () => {
    const bad = path.join(tmp, 'bad.zip');
    const refused = runPackage({ MicrosoftAppId: 'Xyz8Q~not-a-guid-but-a-secret', PUBLIC_HOST: HOST }, bad);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/MicrosoftAppId must be a GUID/);
    expect(refused.stderr).not.toContain('not-a-guid-but-a-secret');
    expect(fs.existsSync(bad)).toBe(false);
  });

  it('refuses a PUBLIC_HOST given as a URL, naming it', () => {
    const refused = runPackage({ MicrosoftAppId: APP_ID, PUBLIC_HOST: `https://${HOST}/` }, path.join(tmp, 'url.zip'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/PUBLIC_HOST must be a host name/);
  });
});
