// DESIGN.md's import directions, checked on every `npm test`. Imports point down only:
// commands → cli → client → protocol → format; engine → storage, protocol, format; storage → format;
// inside engine/: lifecycle → front ends (control, kafka) → groups → broker → worker messages; beside them,
// transport/ (bounded connections, their listeners' connection set, the frame budget) which both front
// ends import and which imports no other part of engine/.
// Commands reach the daemon only through the Client interface (client/index.ts, client/types.ts): no
// protocol, no engine, no local backend — except the daemon's lifecycle commands (client/local/
// daemon-control.ts) and `daemon start --foreground`, which runs the engine in-process.
// Beside them, four shared modules every layer may import: errors.ts, wire-error.ts (the one error-to-wire
// mapping), topic-name.ts (Kafka's topic-name rule) and make-dirs.ts (mkdir -p that always returns); they
// import nothing but each other.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (name) => `^src/${name}/`
const SHARED = ['^src/errors\\.ts$', '^src/wire-error\\.ts$', '^src/topic-name\\.ts$', '^src/make-dirs\\.ts$']
module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', from: {}, to: {circular: true}},
    {name: 'nothing-imports-commands', severity: 'error', from: {pathNot: layer('commands')}, to: {path: layer('commands')}},
    {name: 'shared-modules-are-leaves', severity: 'error', from: {path: SHARED}, to: {path: '^src/', pathNot: SHARED}},
    {name: 'format-is-the-bottom', severity: 'error', from: {path: layer('format')},
      to: {path: '^src/', pathNot: ['^src/format/', ...SHARED]}},
    {name: 'storage-only-uses-format', severity: 'error', from: {path: layer('storage')},
      to: {path: '^src/', pathNot: ['^src/storage/', '^src/format/', ...SHARED]}},
    {name: 'protocol-is-pure', severity: 'error', from: {path: layer('protocol')},
      to: {path: '^src/', pathNot: ['^src/protocol/', '^src/format/', ...SHARED]}},
    {name: 'client-never-touches-engine-or-storage', severity: 'error', from: {path: layer('client')},
      to: {path: ['^src/engine/', '^src/storage/', '^src/cli/', '^src/commands/']}},
    {name: 'client-core-is-backend-neutral', severity: 'error',
      comment: 'Producer, Consumer, GroupConsumer and the types know no backend: only the factory picks one',
      from: {path: '^src/client/[^/]+$', pathNot: ['^src/client/create-client\\.ts$', '^src/client/index\\.ts$']},
      to: {path: ['^src/protocol/', '^src/client/local/']}},
    {name: 'engine-below-the-cli', severity: 'error', from: {path: layer('engine')},
      to: {path: ['^src/client/', '^src/cli/', '^src/commands/']}},
    // Inside engine/, imports point down too: the entry points (main.ts, daemon-process.ts) → lifecycle/ →
    // front ends (control/, kafka/) → groups/ → broker/ → worker/messages.ts; worker/ is its own thread.
    // transport/ sits under the front ends (and lifecycle/, which makes the frame budget), beside the rest.
    {name: 'engine-internals-are-private', severity: 'error',
      comment: 'outside engine/, only its entry points (engine/*.ts) are imported, never a folder inside it',
      from: {pathNot: '^src/engine/'}, to: {path: '^src/engine/[^/]+/'}},
    {name: 'front-ends-apart', severity: 'error',
      comment: 'each front end adapts one protocol to the broker; what they share is transport/ (connections) or the broker',
      from: {path: '^src/engine/control/'}, to: {path: '^src/engine/kafka/'}},
    {name: 'front-ends-apart-kafka', severity: 'error',
      from: {path: '^src/engine/kafka/'}, to: {path: '^src/engine/control/'}},
    {name: 'transport-below-the-front-ends', severity: 'error',
      comment: 'what both front ends share about connections knows neither of them, nor the broker, groups or lifecycle',
      from: {path: '^src/engine/transport/'}, to: {path: '^src/engine/', pathNot: '^src/engine/transport/'}},
    {name: 'front-ends-below-lifecycle', severity: 'error',
      from: {path: ['^src/engine/control/', '^src/engine/kafka/']}, to: {path: ['^src/engine/lifecycle/', '^src/engine/[^/]+\\.ts$']}},
    {name: 'broker-core-knows-no-protocol', severity: 'error',
      comment: 'the broker core, the groups on it and the workers speak typed calls: no wire format',
      from: {path: ['^src/engine/broker/', '^src/engine/groups/', '^src/engine/worker/']}, to: {path: '^src/protocol/'}},
    {name: 'groups-sit-on-the-broker', severity: 'error',
      from: {path: '^src/engine/groups/'}, to: {path: ['^src/engine/control/', '^src/engine/kafka/', '^src/engine/transport/', '^src/engine/lifecycle/', '^src/engine/[^/]+\\.ts$']}},
    {name: 'broker-is-the-core', severity: 'error',
      from: {path: '^src/engine/broker/'},
      to: {path: ['^src/engine/control/', '^src/engine/kafka/', '^src/engine/transport/', '^src/engine/groups/', '^src/engine/lifecycle/', '^src/engine/[^/]+\\.ts$']}},
    {name: 'main-thread-loads-no-worker-code', severity: 'error',
      comment: 'the worker pool (broker/) shares only the message types with the worker thread',
      from: {path: '^src/engine/', pathNot: '^src/engine/worker/'}, to: {path: '^src/engine/worker/', pathNot: '^src/engine/worker/messages\\.ts$'}},
    {name: 'only-the-broker-talks-to-workers', severity: 'error',
      from: {path: '^src/engine/', pathNot: ['^src/engine/broker/', '^src/engine/worker/']}, to: {path: '^src/engine/worker/'}},
    {name: 'worker-loads-no-sockets', severity: 'error',
      comment: 'worker threads must never load oclif or socket code',
      from: {path: '^src/engine/worker/'},
      to: {path: '^src/', pathNot: ['^src/storage/', '^src/format/', ...SHARED, '^src/engine/worker/']}},
    {name: 'worker-loads-no-net', severity: 'error',
      from: {path: ['^src/engine/worker/', '^src/storage/', '^src/format/']},
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
