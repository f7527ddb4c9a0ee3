/**
 * Collects one command's output from a stream and finds its end marker
 * without re-scanning or re-copying everything received so far: only the
 * last few bytes are kept aside to catch a marker split across chunks.
 */
export class Capture {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** Absolute offset of the marker once seen. */
  private markerAt = -1;

  constructor(private readonly marker: Buffer) {}

  /** Adds a chunk; returns true once the marker has been seen. */
  push(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    if (this.markerAt < 0) {
      const window = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
      const i = window.indexOf(this.marker);
      if (i >= 0) this.markerAt = this.length - this.tail.length + i;
      else this.tail = window.subarray(Math.max(0, window.length - this.marker.length + 1));
    }
    this.length += chunk.length;
    return this.markerAt >= 0;
  }

  /** Everything received so far as one buffer. */
  all(): Buffer {
    if (this.chunks.length > 1) {
      const joined = Buffer.concat(this.chunks, this.length);
      this.chunks.length = 0;
      this.chunks.push(joined);
    }
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Where the marker starts (-1 until seen). */
  get markerOffset(): number {
    return this.markerAt;
  }
}
