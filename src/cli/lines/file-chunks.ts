// `produce --file` reads a regular file into one chunk of memory used again for every read, carved from
// the producer's arena (format/byte-arena.ts): the batch builders then move each value out of the chunk
// with copyWithin, and a 100 MB file costs one buffer instead of a hundred fresh ones (each a run of page
// faults on first touch, and external-memory pressure that makes V8 run full collections).
// Reuse is safe because nothing keeps a view of a chunk past push(): the builders copy what they are
// given at once, and the line splitter copies the unfinished line it holds at a chunk's end. Every chunk
// handed out is a new Buffer object, so code that remembers "the chunk I searched last" by identity is
// not fooled by memory read into again.
import type {FileHandle} from 'node:fs/promises'
import type {ByteArena} from '../../format/byte-arena.js'

export const FILE_CHUNK_BYTES = 1024 * 1024

/** The file from its current position to its end, chunk by chunk; each chunk is valid until the next. */
export async function* fileChunks(fh: FileHandle, chunkBytes: number, arena: ByteArena | null): AsyncGenerator<Buffer> {
  const memory = arena?.carve(chunkBytes) ?? Buffer.allocUnsafe(chunkBytes)
  for (;;) {
    const {bytesRead} = await fh.read(memory, 0, chunkBytes, null)
    if (bytesRead === 0) return
    yield memory.subarray(0, bytesRead)
  }
}
