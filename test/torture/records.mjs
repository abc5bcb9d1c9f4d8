// What the torture suites write and how they recognise it again, shared by the load generator (plain
// JavaScript, its own process) and the checker (TypeScript, in vitest):
// - a record's id is `<writer>:<seq>` (writer: a producer session such as `p1.4`, seq counting from 0),
//   so every record ever sent is unique, and a duplicate or a moved record is visible as such;
// - its value is the id, a space and a filler whose length and bytes follow from the id: the checker
//   rebuilds the exact value from the id alone, so a value that was damaged is not mistaken for its id;
// - hashOf() is FNV-1a over values (a read of n records is recorded as its hash, not its values);
// - prng() is the seeded generator behind every random choice: one seed reproduces a run's choices.

/** The record value for an id. */
export function valueOf(id) {
  const n = hashOf(id) % 97
  return `${id} ${'abcdefghij'.repeat(10).slice(0, n)}`
}

/** The id a value claims to carry (the text before its first space), or null. */
export function idOf(value) {
  const space = value.indexOf(' ')
  return space < 0 ? null : value.slice(0, space)
}

/** FNV-1a (32 bit) over one string, or over several joined by '\n', as an unsigned integer. */
export function hashOf(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export function hashOfValues(values) {
  return hashOf(values.join('\n'))
}

/** mulberry32: a small, fast, seedable generator; returns a function giving floats in [0, 1). */
export function prng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [lo, hi] from a generator. */
export function between(random, lo, hi) {
  return lo + Math.floor(random() * (hi - lo + 1))
}

/** One of the choices, from a generator. */
export function pick(random, choices) {
  return choices[Math.floor(random() * choices.length)]
}
