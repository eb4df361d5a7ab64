/**
 * `npm run teams:package`: builds the Microsoft Teams app package (the zip an admin uploads) from
 * adapters/teams/manifest/: manifest.template.json filled from the environment, color.png and
 * outline.png. Validates the result first, so a bad package is refused here with the field and the
 * problem rather than by Teams with a generic upload error. Node built-ins only.
 *
 *   MicrosoftAppId=GUID PUBLIC_HOST=closedloop.example.nhs.uk npm run teams:package [-- --out FILE]
 *
 * Required: MicrosoftAppId (the bot's Microsoft App ID), PUBLIC_HOST (the service's public host
 * name). Optional: TEAMS_APP_VERSION (default: package.json's version), TEAMS_DEVELOPER_NAME,
 * TEAMS_PRIVACY_URL, TEAMS_TERMS_URL.
 */
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { crc32 } from './crc32.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST_DIR = path.join(ROOT, 'adapters/teams/manifest');
const DEFAULT_OUT = path.join(ROOT, 'dist/teams/closedloop-teams.zip');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const ICON_SIZES = { color: 192, outline: 32 };
const MAX_COMMANDS = 10; // the issue's limit (the current schema allows 12; older clients 10)
const EXAMPLE = 'MicrosoftAppId=00000000-0000-0000-0000-000000000000 PUBLIC_HOST=closedloop.example.nhs.uk npm run teams:package';

class PackageError extends Error {}

/** The values for the template's ${NAME} placeholders, or a PackageError naming the variable. */
export function readSettings(env) {
  const appId = (env.MicrosoftAppId ?? '').trim();
  if (!appId) throw new PackageError(`MicrosoftAppId is not set: set it to the bot's Microsoft App ID (a GUID, from the Azure Bot resource's Configuration page). For example:\n  ${EXAMPLE}`);
  // The value is not echoed: a client secret pasted here by mistake must not reach a terminal or CI log.
  if (!GUID.test(appId)) throw new PackageError(`MicrosoftAppId must be a GUID such as 00000000-0000-0000-0000-000000000000 (the Microsoft App ID, not the client secret); the value given (${appId.length} characters, not shown) is not one.`);
  const host = (env.PUBLIC_HOST ?? '').trim().toLowerCase();
  if (!host) throw new PackageError(`PUBLIC_HOST is not set: set it to the host name the service is reachable on from the internet, such as closedloop.example.nhs.uk (no https://). For example:\n  ${EXAMPLE}`);
  if (!HOST.test(host)) throw new PackageError(`PUBLIC_HOST must be a host name such as closedloop.example.nhs.uk, with no https://, path or port; got "${host}".`);
  const version = (env.TEAMS_APP_VERSION ?? '').trim() || JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  if (!SEMVER.test(version)) throw new PackageError(`TEAMS_APP_VERSION must be three numbers such as 1.0.3 (Teams accepts no suffix); got "${version}".`);
  const warnings = [];
  const url = (name, fallback) => {
    const value = (env[name] ?? '').trim();
    if (!value) {
      warnings.push(`${name} is not set: the app's details page links to ${fallback}, which closedloop does not serve. Set it to your organisation's page.`);
      return fallback;
    }
    if (!/^https:\/\/\S+$/.test(value)) throw new PackageError(`${name} must be an https:// address; got "${value}".`);
    return value;
  };
  return {
    values: {
      MICROSOFT_APP_ID: appId.toLowerCase(),
      PUBLIC_HOST: host,
      APP_VERSION: version,
      DEVELOPER_NAME: (env.TEAMS_DEVELOPER_NAME ?? '').trim() || 'closedloop',
      PRIVACY_URL: url('TEAMS_PRIVACY_URL', `https://${host}/privacy`),
      TERMS_URL: url('TEAMS_TERMS_URL', `https://${host}/terms`),
    },
    warnings,
  };
}

/** Fills ${NAME} placeholders (JSON-escaped) and parses the result. */
export function fillTemplate(template, values) {
  const filled = template.replace(/\$\{([A-Z_]+)\}/g, (whole, name) => {
    if (!Object.hasOwn(values, name)) throw new PackageError(`manifest.template.json has a placeholder ${whole} that teams-package.mjs does not fill.`);
    return JSON.stringify(values[name]).slice(1, -1);
  });
  try {
    return JSON.parse(filled);
  } catch (err) {
    throw new PackageError(`manifest.template.json is not valid JSON once filled: ${err.message}`);
  }
}

/** Width and height from a PNG's IHDR, or an error message. */
export function pngSize(bytes) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('ascii', 12, 16) !== 'IHDR') return { error: 'is not a PNG' };
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25] };
}

/** Every problem with the filled manifest and its icons (an empty list when it is fit to upload). */
export function validate(manifest, icons) {
  const problems = [];
  const text = (field, value, max) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${field} is missing`);
    else if (value.length > max) problems.push(`${field} is ${value.length} characters; Teams allows ${max}`);
  };
  text('manifestVersion', manifest.manifestVersion, 16);
  if (!SEMVER.test(manifest.version ?? '')) problems.push('version must be three numbers such as 1.0.3');
  if (!GUID.test(manifest.id ?? '')) problems.push('id must be a GUID (the Microsoft App ID)');
  text('developer.name', manifest.developer?.name, 32);
  for (const key of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl']) {
    if (!/^https:\/\/\S+$/.test(manifest.developer?.[key] ?? '')) problems.push(`developer.${key} must be an https:// address`);
  }
  text('name.short', manifest.name?.short, 30);
  text('name.full', manifest.name?.full, 100);
  text('description.short', manifest.description?.short, 80);
  text('description.full', manifest.description?.full, 4000);
  if (!/^#[0-9a-f]{6}$/i.test(manifest.accentColor ?? '')) problems.push('accentColor must be a colour such as #1D4E89');
  const bots = manifest.bots ?? [];
  if (bots.length !== 1) problems.push('bots must hold exactly one bot');
  for (const [b, bot] of bots.entries()) {
    if (bot.botId !== manifest.id) problems.push(`bots[${b}].botId must be the app id (the Microsoft App ID)`);
    if (bot.supportsFiles !== false || bot.isNotificationOnly !== false) problems.push(`bots[${b}] must set supportsFiles and isNotificationOnly to false`);
    for (const scope of ['team', 'groupChat', 'personal']) if (!bot.scopes?.includes(scope)) problems.push(`bots[${b}].scopes lacks ${scope}`);
    const lists = bot.commandLists ?? [];
    if (lists.length > 3) problems.push(`bots[${b}].commandLists has ${lists.length} lists; Teams allows 3`);
    for (const [l, list] of lists.entries()) {
      const at = `bots[${b}].commandLists[${l}]`;
      const commands = list.commands ?? [];
      if (commands.length === 0 || commands.length > MAX_COMMANDS) problems.push(`${at} has ${commands.length} commands; 1 to ${MAX_COMMANDS} allowed`);
      const titles = commands.map((c) => c.title);
      if (new Set(titles).size !== titles.length) problems.push(`${at} lists a command twice`);
      for (const [c, command] of commands.entries()) {
        text(`${at}.commands[${c}].title`, command.title, 32);
        text(`${at}.commands[${c}].description`, command.description, 128);
      }
    }
  }
  if (!manifest.validDomains?.every((d) => HOST.test(d))) problems.push('validDomains must hold host names only');
  for (const [kind, size] of Object.entries(ICON_SIZES)) {
    const icon = icons[kind];
    if (manifest.icons?.[kind] !== `${kind}.png`) problems.push(`icons.${kind} must be ${kind}.png`);
    else if (!icon) problems.push(`${kind}.png is missing from ${path.relative(ROOT, MANIFEST_DIR)} (node scripts/teams-icons.mjs draws it)`);
    else {
      const png = pngSize(icon);
      if (png.error) problems.push(`${kind}.png ${png.error}`);
      else if (png.width !== size || png.height !== size) problems.push(`${kind}.png is ${png.width}×${png.height}; Teams needs ${size}×${size}`);
      else if (kind === 'outline' && png.colourType !== 6 && png.colourType !== 4) problems.push('outline.png needs a transparent background (an alpha channel)');
    }
  }
  if (JSON.stringify(manifest).includes('${')) problems.push('a ${…} placeholder was left unfilled');
  return problems;
}

/** DOS date and time (the ZIP format's) for `when`, local time. */
function dosDateTime(when) {
  const time = (when.getHours() << 11) | (when.getMinutes() << 5) | Math.floor(when.getSeconds() / 2);
  const date = ((Math.max(when.getFullYear(), 1980) - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate();
  return { time, date };
}

/** A ZIP archive (deflate, no directories, no ZIP64) of `files`: [{ name, data }]. */
export function zip(files, when = new Date()) {
  const { time, date } = dosDateTime(when);
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal and external attributes: all 0
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(files.length, 8); // entries on this disk
  end.writeUInt16LE(files.length, 10); // entries in all
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function parseArgs(argv) {
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') {
      if (!argv[i + 1]) throw new PackageError('--out needs a file name, such as --out /tmp/closedloop-teams.zip');
      out = path.resolve(argv[++i]);
    }
    else if (argv[i] === '--help' || argv[i] === '-h') return { help: true };
    else throw new PackageError(`Unknown argument "${argv[i]}". Usage: npm run teams:package [-- --out FILE]`);
  }
  return { out };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(`Builds the Teams app package.\n  ${EXAMPLE} [-- --out FILE]\nOptional: TEAMS_APP_VERSION, TEAMS_DEVELOPER_NAME, TEAMS_PRIVACY_URL, TEAMS_TERMS_URL. See docs/teams.md.`);
    return;
  }
  const { values, warnings } = readSettings(process.env);
  const manifest = fillTemplate(fs.readFileSync(path.join(MANIFEST_DIR, 'manifest.template.json'), 'utf8'), values);
  delete manifest.$schema; // for editors; Teams reads manifestVersion
  const icons = {};
  for (const kind of Object.keys(ICON_SIZES)) {
    const file = path.join(MANIFEST_DIR, `${kind}.png`);
    if (fs.existsSync(file)) icons[kind] = fs.readFileSync(file);
  }
  const problems = validate(manifest, icons);
  if (problems.length > 0) throw new PackageError(`The Teams app manifest is not fit to upload:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const archive = zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: 'color.png', data: icons.color },
    { name: 'outline.png', data: icons.outline },
  ]);
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, archive);
  for (const warning of warnings) console.warn(`Warning: ${warning}`);
  const shown = path.relative(process.cwd(), args.out);
  console.log([
    `Wrote the Teams app package: ${shown.startsWith('..') || path.isAbsolute(shown) ? args.out : shown} (version ${values.APP_VERSION}, app id ${values.MICROSOFT_APP_ID}, host ${values.PUBLIC_HOST}).`,
    `The bot's messaging endpoint must be https://${values.PUBLIC_HOST}/api/messages.`,
    'Next: upload it in the Teams admin centre (Teams apps → Manage apps → Upload new app), then add the app to your MDT\'s team; see docs/teams.md.',
  ].join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    console.error(`teams:package: ${err.message}`);
    process.exitCode = 1;
  }
}
