/** Writes ubyte IDX files, the format users bring their own data in. */
import { writeFileSync } from 'node:fs';

export function writeIdxUbyte(file: string, dims: number[], data: Uint8Array): void {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(file, Buffer.concat([header, data]));
}
