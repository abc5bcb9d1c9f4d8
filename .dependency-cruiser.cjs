// DESIGN.md's import directions, checked on every `npm test`. Imports point down only:
// commands → cli → client → protocol → format; engine → storage, protocol, format; storage → format.
// Commands reach the daemon only through the Client interface (client/index.ts, client/types.ts): no
// protocol, no engine, no local backend — except the daemon's lifecycle commands (client/local/
// daemon-control.ts) and `daemon start --foreground`, which runs the engine in-process.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (name) => `^src/${name}/`
module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', from: {}, to: {circular: true}},
    {name: 'nothing-imports-commands', severity: 'error', from: {pathNot: layer('commands')}, to: {path: layer('commands')}},
    {name: 'format-is-the-bottom', severity: 'error', from: {path: layer('format')},
      to: {path: '^src/', pathNot: ['^src/format/', '^src/errors\\.ts$']}},
    {name: 'storage-only-uses-format', severity: 'error', from: {path: layer('storage')},
      to: {path: '^src/', pathNot: ['^src/storage/', '^src/format/', '^src/errors\\.ts$']}},
    {name: 'protocol-is-pure', severity: 'error', from: {path: layer('protocol')},
      to: {path: '^src/', pathNot: ['^src/protocol/', '^src/format/', '^src/errors\\.ts$']}},
    {name: 'client-never-touches-engine-or-storage', severity: 'error', from: {path: layer('client')},
      to: {path: ['^src/engine/', '^src/storage/', '^src/cli/', '^src/commands/']}},
    {name: 'client-core-is-backend-neutral', severity: 'error',
      comment: 'Producer, Consumer, GroupConsumer and the types know no backend: only the factory picks one. ' +
        'topic-name.ts re-exports the shared rule until it moves beside errors.ts',
      from: {path: '^src/client/[^/]+$', pathNot: ['^src/client/create-client\\.ts$', '^src/client/index\\.ts$', '^src/client/topic-name\\.ts$']},
      to: {path: ['^src/protocol/', '^src/client/local/']}},
    {name: 'engine-below-the-cli', severity: 'error', from: {path: layer('engine')},
      to: {path: ['^src/client/', '^src/cli/', '^src/commands/']}},
    {name: 'worker-loads-no-sockets', severity: 'error',
      comment: 'worker threads must never load oclif or socket code',
      from: {path: ['^src/engine/partition-worker\\.ts$', '^src/engine/worker/']},
      to: {path: '^src/', pathNot: ['^src/storage/', '^src/format/', '^src/errors\\.ts$', '^src/engine/worker-messages\\.ts$', '^src/engine/worker/']}},
    {name: 'worker-loads-no-net', severity: 'error',
      from: {path: ['^src/engine/partition-worker\\.ts$', '^src/engine/worker/', '^src/storage/', '^src/format/']},
      to: {path: ['^net$', '^node:net$', '@oclif', 'cli-table3', 'cli-progress', 'chokidar']}},
    {name: 'commands-speak-no-protocol', severity: 'error', from: {path: layer('commands')}, to: {path: '^src/protocol/'}},
    {name: 'commands-use-the-client', severity: 'error',
      comment: 'only `daemon start --foreground` runs the engine in-process (next rule)',
      from: {path: layer('commands'), pathNot: '^src/commands/daemon/start\\.ts$'}, to: {path: '^src/engine/'}},
    {name: 'foreground-daemon-through-daemon-process', severity: 'error',
      comment: 'the one command → engine import, as narrow as it can be: this command, this module',
      from: {path: '^src/commands/daemon/start\\.ts$'}, to: {path: '^src/engine/', pathNot: '^src/engine/daemon-process\\.ts$'}},
    {name: 'commands-use-the-client-interface', severity: 'error',
      comment: 'the local backend is chosen by client/create-client.ts; only `daemon start|stop|status` use its lifecycle surface',
      from: {path: layer('commands'), pathNot: '^src/commands/daemon/'}, to: {path: '^src/client/local/'}},
    {name: 'daemon-commands-use-daemon-control', severity: 'error',
      from: {path: '^src/commands/daemon/'}, to: {path: '^src/client/local/', pathNot: '^src/client/local/daemon-control\\.ts$'}},
    {name: 'only-log-tools-read-storage', severity: 'error',
      from: {path: layer('commands'), pathNot: '^src/commands/log/'}, to: {path: '^src/storage/'}},
    {name: 'cli-below-commands', severity: 'error', from: {path: layer('cli')},
      to: {path: ['^src/engine/', '^src/storage/', '^src/protocol/', '^src/client/local/']}},
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsConfig: {fileName: 'tsconfig.json'},
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {extensions: ['.ts', '.js']},
  },
}
