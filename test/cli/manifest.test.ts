// oclif.manifest.json (written by bin/build-manifest.js on every build) is what the CLI reads at startup
// instead of importing every command: it must describe exactly the compiled commands, or a new command
// or flag would be invisible until the next `npm run build`.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join, relative} from 'node:path'
import {Plugin} from '@oclif/core'
import {describe, expect, it} from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const manifestFile = join(root, 'oclif.manifest.json')

function commandIds(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true, recursive: true})
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).replace(/\.ts$/, '').split('/').join(':'))
    .sort()
}

describe('oclif.manifest.json', () => {
  it('is written by the build', () => {
    expect(existsSync(manifestFile), 'run `npm run build`').toBe(true)
  })

  it('lists every command in src/commands, as the compiled modules declare them', async () => {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))
    expect(Object.keys(manifest.commands).sort()).toEqual(commandIds(join(root, 'src', 'commands')))
    const fresh = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
    await fresh.load()
    expect(manifest).toEqual(JSON.parse(JSON.stringify(fresh.manifest)))
  })
})
