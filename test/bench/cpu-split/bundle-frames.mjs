// The CLI runs from one bundled file (dist/bundle/cli.cjs, bin/build-cli.js): its profile frames are named
// here by the file each function came from (dist/format/lz4-frame.js, node_modules/@oclif/core/…), read
// from the bundle's source map, so the component rules, which match those paths, apply to the CLI too.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const BASE64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]))

// Source map v3 "mappings": per generated line, its segments as [column, source index], in column order.
function decodeMappings(mappings) {
  const lines = []
  let source = 0
  for (const line of mappings.split(';')) {
    const segments = []
    let column = 0
    for (const segment of line.split(',')) {
      if (segment === '') continue
      const fields = []
      let value = 0
      let shift = 0
      for (const c of segment) {
        const digit = BASE64.get(c)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0]
      if (fields.length > 1) {
        source += fields[1]
        segments.push([column, source])
      }
    }
    lines.push(segments)
  }
  return lines
}

const maps = new Map() // bundle path → {lines, urls} | null

function mapOf(path) {
  if (maps.has(path)) return maps.get(path)
  let map = null
  if (existsSync(`${path}.map`)) {
    const raw = JSON.parse(readFileSync(`${path}.map`, 'utf8'))
    const urls = raw.sources.map((s) => pathToFileURL(resolve(dirname(path), raw.sourceRoot ?? '', s)).href)
    map = {lines: decodeMappings(raw.mappings), urls}
  }
  maps.set(path, map)
  return map
}

// The URL of the file the code at (line, column) of the bundle came from (0-based, as profiles give them).
function sourceAt(map, line, column) {
  for (let l = Math.min(line, map.lines.length - 1); l >= 0; l--) {
    const segments = map.lines[l]
    let found = null
    for (const [c, s] of segments) {
      if (l === line && c > column) break
      found = s
    }
    if (found !== null) return map.urls[found]
  }
  return null
}

/** Renames, in place, the frames of a profile that lie in a bundle with a source map. */
export function unbundleFrames(profile) {
  for (const n of profile.nodes) {
    const cf = n.callFrame
    const path = cf.url.startsWith('file:') ? fileURLToPath(cf.url) : cf.url
    if (!path.endsWith('/dist/bundle/cli.cjs')) continue
    const map = mapOf(path)
    const url = map && sourceAt(map, cf.lineNumber, cf.columnNumber)
    if (url) cf.url = url
  }
  return profile
}
