/**
 * Kafka processes the tests own, which the shared broker of `scripts/services.mjs` must never be: a single-node
 * broker (KRaft) for tests that stop and restart it, and a 3-node cluster (each node a broker and a controller, a
 * static quorum, replication factor 3, `min.insync.replicas` 2) for the fault tests that kill a partition leader.
 * They run the same cached jars (`~/.cache/bus-tools/kafka-libs/<version>/`, fetched by
 * `node scripts/services.mjs up`) with their own ports and data directories, and restart on the same ports and
 * data, as a broker after a crash or upgrade would.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const POM = path.join(REPO_ROOT, 'scripts', 'kafka', 'pom.xml');
const LOG4J = path.join(REPO_ROOT, 'scripts', 'kafka', 'log4j2.xml');
const TOOLS_DIR = process.env.BUS_TOOLS_DIR || path.join(os.homedir(), '.cache', 'bus-tools');
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

function kafkaLibs(): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'))?.[1]?.trim();
  if (version === undefined) throw new Error(`no <kafka.version> in ${POM}`);
  return path.join(TOOLS_DIR, 'kafka-libs', version);
}

async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** The broker settings every test node shares; a cluster overrides the replication ones. */
function nodeProps(dir: string, nodeId: number, brokerPort: number, controllerPort: number): Record<string, string | number> {
  return {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': path.join(dir, 'data'),
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    'num.partitions': 3,
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.index.size.max.bytes': 1024 * 1024,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    'log.cleaner.threads': 1,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
  };
}

/** One Kafka process this test owns: start, stop (SIGTERM, as an orderly shutdown), kill, start again on the same ports and data. */
export class KafkaNode {
  readonly address: string;
  readonly #dir: string;
  readonly #props: string;
  readonly #libs: string;
  #process: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  /** A node in `dir` serving `brokerPort`; {@link TestBroker.create} and {@link TestCluster.create} make them. */
  constructor(dir: string, brokerPort: number, libs: string) {
    this.#dir = dir;
    this.#libs = libs;
    this.address = `127.0.0.1:${brokerPort}`;
    this.#props = path.join(dir, 'server.properties');
  }

  /** Whether the process runs (started, not stopped or killed). */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Writes the node's settings and formats its storage for the cluster `clusterId`. */
  format(props: Record<string, string | number>, clusterId: string, formatArgs: readonly string[]): void {
    writeFileSync(
      this.#props,
      `${Object.entries(props)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n')}\n`,
    );
    const format = spawnSync(
      'java',
      [...this.#javaArgs(), 'kafka.tools.StorageTool', 'format', ...formatArgs, '-t', clusterId, '-c', this.#props],
      {
        cwd: this.#dir,
        encoding: 'utf8',
      },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed (${format.status}): ${format.stdout}${format.stderr}`);
  }

  #javaArgs(): string[] {
    return ['-cp', `${this.#libs}/*`, `-Dlog4j2.configurationFile=${LOG4J}`, `-Dkafka.logs.dir=${path.join(this.#dir, 'logs')}`];
  }

  /** Starts the broker and resolves once it answers a metadata request. */
  async start(): Promise<void> {
    if (this.#process !== undefined) throw new Error('the test broker is already running');
    const out = openSync(path.join(this.#dir, 'kafka.log'), 'a');
    const child = spawn(
      'java',
      ['-Xms128m', '-Xmx384m', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', ...this.#javaArgs(), 'kafka.Kafka', this.#props],
      { cwd: this.#dir, stdio: ['ignore', out, out] },
    );
    this.#process = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.#killOnExit);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the test broker exited during startup:\n${this.#logTail()}`);
      if (await this.#answers()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`the test broker did not answer within ${START_TIMEOUT_MS} ms:\n${this.#logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** An orderly shutdown (SIGTERM): the broker flushes its logs and exits. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([
      this.#exited?.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS)),
    ]);
    if (!stopped) {
      child.kill('SIGKILL');
      await this.#exited;
    }
    this.#forget();
  }

  /** Kills the broker outright. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.#exited;
    this.#forget();
  }

  /** Stops the broker and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  readonly #killOnExit = (): void => {
    this.#process?.kill('SIGKILL');
  };

  #forget(): void {
    process.off('exit', this.#killOnExit);
    this.#process = undefined;
    this.#exited = undefined;
  }

  async #answers(): Promise<boolean> {
    const admin = new Admin({
      clientId: 'bus-kafka-test-broker-probe',
      bootstrapBrokers: [this.address],
      retries: 0,
      connectTimeout: 1_000,
    });
    try {
      await admin.metadata({ topics: [] });
      return true;
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  #logTail(): string {
    try {
      return readFileSync(path.join(this.#dir, 'kafka.log'), 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** A dedicated single-node broker (its own ports and data), for tests that stop and restart it. */
export class TestBroker extends KafkaNode {
  /** Formats storage for a new broker on free ports; does not start it. */
  static async create(): Promise<TestBroker> {
    const libs = kafkaLibs();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bus-kafka-test-broker-'));
    const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
    const broker = new TestBroker(dir, brokerPort, libs);
    broker.format(nodeProps(dir, 1, brokerPort, controllerPort), newClusterId(), ['--standalone']);
    return broker;
  }
}

/**
 * A cluster of `size` nodes (each a broker and a KRaft controller, one JVM each, a static quorum of all of them),
 * with replication factor `size` and `min.insync.replicas` `size − 1` for new topics and the internal ones: what
 * the fault suite kills leaders of. Used only by fault tests; the shared broker stays single-node.
 */
export class TestCluster {
  readonly nodes: readonly KafkaNode[];

  private constructor(nodes: readonly KafkaNode[]) {
    this.nodes = nodes;
  }

  /** The bootstrap list, every node. */
  get brokers(): string[] {
    return this.nodes.map((node) => node.address);
  }

  /** Formats `size` nodes on free ports; does not start them. */
  static async create(size = 3): Promise<TestCluster> {
    const libs = kafkaLibs();
    const ports = await freePorts(size * 2);
    const clusterId = newClusterId();
    const voters = Array.from({ length: size }, (_, i) => `${i + 1}@127.0.0.1:${ports[size + i]}`).join(',');
    const nodes = Array.from({ length: size }, (_, i) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `bus-kafka-test-cluster-${i + 1}-`));
      const node = new KafkaNode(dir, ports[i] as number, libs);
      const props = nodeProps(dir, i + 1, ports[i] as number, ports[size + i] as number);
      delete props['controller.quorum.bootstrap.servers'];
      node.format(
        {
          ...props,
          'controller.quorum.voters': voters,
          'offsets.topic.replication.factor': size,
          'transaction.state.log.replication.factor': size,
          'transaction.state.log.min.isr': size - 1,
          'share.coordinator.state.topic.replication.factor': size,
          'share.coordinator.state.topic.min.isr': size - 1,
          'default.replication.factor': size,
          'min.insync.replicas': size - 1,
          'unclean.leader.election.enable': 'false',
        },
        clusterId,
        [],
      );
      return node;
    });
    return new TestCluster(nodes);
  }

  /** Starts every node; resolves once each answers. */
  async start(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => !node.running).map((node) => node.start()));
  }

  /** Stops every node and deletes their data. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

function newClusterId(): string {
  return randomBytes(16).toString('base64url').replace(/^-/, 'A');
}
