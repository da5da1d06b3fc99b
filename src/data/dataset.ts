/** In-memory image classification data, the form every trial consumes. */
export interface Dataset {
  /** count × height × width × channels floats (NHWC), row-major. */
  images: Float32Array;
  /** count class indices, each in [0, numClasses). */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
}

export interface DataSplit {
  train: Dataset;
  test: Dataset;
}
