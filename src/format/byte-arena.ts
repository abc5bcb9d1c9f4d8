// One ArrayBuffer that long-lived buffers are carved from (bump allocation, never given back): bytes
// moved between two of them — an input chunk and a batch builder's scratch — are one copyWithin inside
// it, a memmove that makes no object, where a copy between two ArrayBuffers needs a view of the source
// per copy (subarray + set: ~57 ns and a ~60-byte object for the next minor GC, against ~22 ns, per
// ~100-byte value on Node 20). Whoever finds the arena full allocates on its own, as without one.

const ALIGN = 8

export class ByteArena {
  /** The whole arena: the target (and source) of copyWithin. */
  readonly whole: Uint8Array
  private used = 0

  constructor(bytes: number) {
    this.whole = new Uint8Array(new ArrayBuffer(bytes))
  }

  /** n bytes of the arena for good, or null when it has no room left. */
  carve(n: number): Buffer | null {
    if (this.used + n > this.whole.length) return null
    const b = Buffer.from(this.whole.buffer, this.used, n)
    this.used += Math.ceil(n / ALIGN) * ALIGN
    return b
  }

  /** Where b starts in the arena, or -1 if it is not a part of it. */
  offsetOf(b: Uint8Array): number {
    return b.buffer === this.whole.buffer ? b.byteOffset : -1
  }
}
