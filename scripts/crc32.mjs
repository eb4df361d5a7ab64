/**
 * CRC-32 (the PNG and ZIP checksum) for the Teams packaging scripts. Node 20.15+ has zlib.crc32;
 * package.json allows Node 20.12, so older versions use the table below (same polynomial).
 */
import zlib from 'node:zlib';

let table;

function crc32Table(data) {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of a Buffer or Uint8Array, as an unsigned 32-bit number. */
export const crc32 = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) >>> 0 : crc32Table;

/** Exported for the test of the fallback; callers use crc32. */
export { crc32Table };
