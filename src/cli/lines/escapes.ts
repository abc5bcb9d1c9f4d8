// Backslash escapes in flag values, so that a shell user can type `--delimiter '\0'` or
// `--format '%k\t%s\n'` without $'…' quoting. Recognised: \n \r \t \0 \\ \xHH (one byte, hex).
// Any other backslash sequence is kept as typed (a lone `\` included), as kcat does.
// Pure: used by produce (--delimiter, --key-delimiter) and consume (--format, --delimiter).

/** Decodes the escapes of a flag value into the bytes they stand for. */
export function unescapeBytes(text: string): Buffer {
  const parts: Buffer[] = []
  let literalStart = 0
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x5c /* \ */ || i + 1 >= text.length) continue
    const next = text[i + 1]
    let byte = -1
    let consumed = 2
    if (next === 'n') byte = 0x0a
    else if (next === 'r') byte = 0x0d
    else if (next === 't') byte = 0x09
    else if (next === '0') byte = 0x00
    else if (next === '\\') byte = 0x5c
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      byte = parseInt(text.slice(i + 2, i + 4), 16)
      consumed = 4
    }
    if (byte < 0) continue
    if (i > literalStart) parts.push(Buffer.from(text.slice(literalStart, i), 'utf8'))
    parts.push(Buffer.of(byte))
    i += consumed - 1
    literalStart = i + 1
  }
  if (literalStart < text.length) parts.push(Buffer.from(text.slice(literalStart), 'utf8'))
  return Buffer.concat(parts)
}

/** The escapes of a flag value decoded to text (for --format literals, which are written as UTF-8). */
export function unescapeText(text: string): string {
  return unescapeBytes(text).toString('utf8')
}
