/**
 * IDX files (http://yann.lecun.com/exdb/mnist/), the format of full MNIST and Fashion-MNIST, plain
 * or gzipped. Every defect is reported as an InputError that names the file and what is wrong.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Dataset } from './dataset.js';

const gunzipAsync = promisify(gunzip);

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

/** One IDX array: its element type, its dimensions (outermost first) and its values in row-major order. */
export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

interface TypeInfo {
  type: IdxType;
  size: number;
  make: (n: number) => IdxData;
  /** Decodes one big-endian element. */
  get: (v: DataView, at: number) => number;
}

/** The type codes of the IDX spec. */
const TYPES: Record<number, TypeInfo> = {
  0x08: { type: 'ubyte', size: 1, make: (n) => new Uint8Array(n), get: (v, at) => v.getUint8(at) },
  0x09: { type: 'byte', size: 1, make: (n) => new Int8Array(n), get: (v, at) => v.getInt8(at) },
  0x0b: { type: 'short', size: 2, make: (n) => new Int16Array(n), get: (v, at) => v.getInt16(at) },
  0x0c: { type: 'int', size: 4, make: (n) => new Int32Array(n), get: (v, at) => v.getInt32(at) },
  0x0d: { type: 'float', size: 4, make: (n) => new Float32Array(n), get: (v, at) => v.getFloat32(at) },
  0x0e: { type: 'double', size: 8, make: (n) => new Float64Array(n), get: (v, at) => v.getFloat64(at) },
};

/** Reads an IDX file; gzip is recognised by its magic bytes, whatever the file is called. */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read the file: ${(err as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (err) {
      throw new InputError(`${file}: not a valid gzip file: ${(err as Error).message}`);
    }
  }
  return parseIdx(bytes, file);
}

function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InputError(`${file}: bad magic number [${head}]: an IDX file starts with 00 00 <type> <ndims>`);
  }
  const info = TYPES[bytes[2]];
  if (info === undefined) {
    throw new InputError(
      `${file}: unsupported IDX type code 0x${bytes[2].toString(16).padStart(2, '0')}, ` +
        'expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e',
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new InputError(`${file}: the header declares 0 dimensions`);
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new InputError(
      `${file}: truncated header: expected ${headerLength} bytes for ${ndims} dimensions, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * info.size;
  const got = bytes.length - headerLength;
  if (got !== expected) {
    const what = got < expected ? 'truncated data' : 'trailing bytes after the data';
    throw new InputError(
      `${file}: ${what}: dimensions ${dims.join('×')} of ${info.type} need ${expected} bytes, got ${got}`,
    );
  }
  if (info.type === 'ubyte') return { type: info.type, dims, data: new Uint8Array(bytes.subarray(headerLength)) };
  const data = info.make(count);
  for (let i = 0; i < count; i++) data[i] = info.get(view, headerLength + i * info.size);
  return { type: info.type, dims, data };
}

export interface IdxDatasetFiles {
  /** `*-idx3-ubyte[.gz]`: N×H×W (one channel) or N×H×W×C images. */
  images: string;
  /** `*-idx1-ubyte[.gz]`: N integer class labels. */
  labels: string;
  /** Number of classes; labels must lie in [0, numClasses). Defaults to the largest label + 1. */
  numClasses?: number;
}

/**
 * Loads an image classification set from an IDX image file and an IDX label file. Unsigned-byte
 * pixels are scaled to [0, 1] (÷255); float and double pixels are taken as they are.
 */
export async function loadIdxDataset(files: IdxDatasetFiles): Promise<Dataset> {
  const { numClasses } = files;
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= 256)) {
    throw new InputError(`numClasses must be an integer in [1, 256], but got ${numClasses}`);
  }
  const [images, labels] = await Promise.all([readIdx(files.images), readIdx(files.labels)]);
  const { dims } = images;
  if (dims.length !== 3 && dims.length !== 4) {
    throw new InputError(
      `${files.images}: images must have 3 (N×H×W) or 4 (N×H×W×C) dimensions, but got ${dims.join('×')}`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new InputError(`${files.labels}: labels must have 1 dimension, but got ${labels.dims.join('×')}`);
  }
  const [count, height, width, channels = 1] = dims;
  if (labels.dims[0] !== count) {
    throw new InputError(`${files.labels}: holds ${labels.dims[0]} labels, but ${files.images} holds ${count} images`);
  }
  const pixels = toPixels(images, files.images);
  const maxLabel = checkLabels(labels, files.labels, numClasses ?? 256); // a Uint8Array holds at most 256 classes
  return {
    images: pixels,
    labels: Uint8Array.from(labels.data),
    count,
    height,
    width,
    channels,
    numClasses: numClasses ?? maxLabel + 1,
  };
}

function toPixels({ type, data }: IdxArray, file: string): Float32Array {
  if (type === 'float' || type === 'double') return Float32Array.from(data);
  if (type !== 'ubyte') {
    throw new InputError(`${file}: images must be ubyte, float or double, but the file holds ${type}`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return out;
}

/** Checks every label is an integer in [0, limit) and returns the largest. */
function checkLabels({ type, data }: IdxArray, file: string, limit: number): number {
  if (type === 'float' || type === 'double') {
    throw new InputError(`${file}: labels must be integers, but the file holds ${type}`);
  }
  let max = -1;
  for (let i = 0; i < data.length; i++) {
    const label = data[i];
    if (label < 0 || label >= limit) {
      throw new InputError(`${file}: label #${i} is ${label}, out of range [0, ${limit})`);
    }
    if (label > max) max = label;
  }
  return max;
}
