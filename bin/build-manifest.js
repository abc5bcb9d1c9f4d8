#!/usr/bin/env node
// Writes oclif.manifest.json from the compiled commands, as the bundle's COMMANDS export holds them (run by
// `npm run build` and `prepare`, after tsc and bin/build-cli.js). With the manifest, oclif reads one JSON
// file at startup instead of initialising every command to learn its flags: `samsa --version` and every
// command start faster. The file is generated, never committed, and rewritten on every build so a new
// command cannot be hidden by a stale one.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
// ignoreManifest: build from the command modules themselves, never from the previous manifest
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
const count = Object.keys(plugin.manifest.commands).length
if (count === 0) throw new Error('no commands found in dist/bundle/cli.cjs: run tsc and bin/build-cli.js first')
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${count} commands`)
