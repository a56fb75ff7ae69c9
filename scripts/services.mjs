#!/usr/bin/env node
// Local backing services for the integration tests: a single-node Kafka (KRaft)
// broker and a PostgreSQL server.
//
//   node scripts/services.mjs up     [--no-kafka] [--no-postgres] [--install-postgres]
//   node scripts/services.mjs down
//   node scripts/services.mjs status
//
// Plain Node ESM with node:* imports only, so it runs before `pnpm install`.
//
// Kafka: the broker jars come from Maven Central via scripts/kafka/pom.xml and are
// cached in ~/.cache/bus-tools/kafka-libs/<version>/ (BUS_TOOLS_DIR overrides the
// root). Runtime state (config, data, logs, pid) lives in <repo>/.services/kafka and is
// deleted by `down`. The broker listens on a free 127.0.0.1 port picked at `up`.
//
// Postgres belongs to the machine: `up` only checks it (and, with CI=... or
// --install-postgres, installs/starts it via apt + pg_ctlcluster); `down` never touches it.
//
// `up` writes <repo>/.services/env.json and prints the env lines:
//   BUS_KAFKA_BROKERS=127.0.0.1:<port>
//   BUS_PG_URL=postgres://postgres@127.0.0.1:5432/test
//
// Environment knobs: BUS_PG_URL (use another Postgres), BUS_TOOLS_DIR (cache root),
// BUS_KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m"), BUS_KAFKA_START_TIMEOUT_MS (default 90000).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.dirname(SCRIPTS_DIR);
const SERVICES_DIR = path.join(REPO_ROOT, '.services');
const ENV_FILE = path.join(SERVICES_DIR, 'env.json');
const KAFKA_DIR = path.join(SERVICES_DIR, 'kafka');
const KAFKA_DATA_DIR = path.join(KAFKA_DIR, 'data');
const KAFKA_LOGS_DIR = path.join(KAFKA_DIR, 'logs');
const KAFKA_PROPS = path.join(KAFKA_DIR, 'server.properties');
const KAFKA_STDIO_LOG = path.join(KAFKA_DIR, 'kafka.log');
const KAFKA_PID_FILE = path.join(KAFKA_DIR, 'kafka.pid');
const KAFKA_POM = path.join(SCRIPTS_DIR, 'kafka', 'pom.xml');
const KAFKA_LOG4J = path.join(SCRIPTS_DIR, 'kafka', 'log4j2.xml');
const TOOLS_DIR = process.env.BUS_TOOLS_DIR || path.join(os.homedir(), '.cache', 'bus-tools');
const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const KAFKA_HEAP_OPTS = (process.env.BUS_KAFKA_HEAP_OPTS || '-Xms256m -Xmx512m').split(/\s+/).filter(Boolean);
const KAFKA_START_TIMEOUT_MS = Number(process.env.BUS_KAFKA_START_TIMEOUT_MS || 90_000);
const KAFKA_STOP_TIMEOUT_MS = 20_000;
const COMPLETE_MARKER = '.complete';

// ---------------------------------------------------------------------------------------------
// small helpers

const log = (...args) => console.error('[services]', ...args);

class ServicesError extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

function tail(file, lines = 60) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${path.relative(REPO_ROOT, file)})`;
  }
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (res.error) throw new ServicesError(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new ServicesError(`\`${[cmd, ...args].join(' ')}\` exited with ${res.status ?? res.signal}`);
  }
  return res;
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie still "exists" for kill(0); treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {}
  return true;
}

/** True when `pid` is the broker we started (guards against PID reuse). */
function isOurKafka(pid) {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(KAFKA_PROPS);
  } catch {
    // No /proc (not Linux): trust the pid file.
    return true;
  }
}

function tcpCheck(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

// ---------------------------------------------------------------------------------------------
// minimal Kafka wire protocol probe (ApiVersions v0 + Metadata v4..v8, non-flexible encodings)

function kafkaRequest(host, port, apiKey, apiVersion, body, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('bus-services-probe');
    const header = Buffer.alloc(10);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(1, 4); // correlation id
    header.writeInt16BE(clientId.length, 8);
    const payload = Buffer.concat([header, clientId, body]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length, 0);

    const socket = net.connect({ host, port });
    let chunks = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('timeout')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(Buffer.concat([size, payload])));
    socket.on('data', (data) => {
      chunks = Buffer.concat([chunks, data]);
      if (chunks.length >= 4 && chunks.length >= 4 + chunks.readInt32BE(0)) {
        socket.destroy();
        // skip size + correlation id
        resolve(chunks.subarray(8, 4 + chunks.readInt32BE(0)));
      }
    });
    socket.once('close', () => reject(new Error('connection closed')));
  });
}

/** ApiVersions v0 (supported by every broker): Map<apiKey, [minVersion, maxVersion]>. */
async function kafkaApiVersions(host, port) {
  const res = await kafkaRequest(host, port, 18, 0, Buffer.alloc(0));
  const errorCode = res.readInt16BE(0);
  if (errorCode !== 0) throw new Error(`ApiVersions error ${errorCode}`);
  const versions = new Map();
  for (let i = 0, n = res.readInt32BE(2), o = 6; i < n; i++, o += 6) {
    versions.set(res.readInt16BE(o), [res.readInt16BE(o + 2), res.readInt16BE(o + 4)]);
  }
  return versions;
}

/** The lowest version of `apiKey` in [lo, hi] (our non-flexible encodings) the broker supports. */
function pickVersion(versions, apiKey, lo, hi) {
  const range = versions.get(apiKey);
  const version = range && Math.max(lo, range[0]);
  if (version === undefined || version > hi || version > range[1]) {
    throw new Error(`no usable version of API ${apiKey} (broker: ${range ?? 'none'}, probe: ${lo}..${hi})`);
  }
  return version;
}

/**
 * Resolves with the broker list from a real Metadata response, or rejects. The broker only
 * serves Metadata once it has started, caught up with the metadata log and been unfenced.
 */
async function kafkaMetadataProbe(host, port) {
  const version = pickVersion(await kafkaApiVersions(host, port), 3, 4, 8);
  // topics: null (all), allow_auto_topic_creation: false, (v8+) two include_*_authorized_operations
  const body = Buffer.alloc(version >= 8 ? 7 : 5);
  body.writeInt32BE(-1, 0);
  const res = await kafkaRequest(host, port, 3, version, body);
  const brokerCount = res.readInt32BE(4); // after throttle_time_ms
  let o = 8;
  const brokers = [];
  for (let i = 0; i < brokerCount; i++) {
    const nodeId = res.readInt32BE(o);
    const hostLen = res.readInt16BE(o + 4);
    const brokerHost = res.toString('utf8', o + 6, o + 6 + hostLen);
    o += 6 + hostLen;
    const brokerPort = res.readInt32BE(o);
    o += 4;
    const rackLen = res.readInt16BE(o);
    o += 2 + Math.max(0, rackLen);
    brokers.push({ nodeId, host: brokerHost, port: brokerPort });
  }
  return brokers;
}

async function kafkaAnswers(hostPort) {
  const [host, port] = splitHostPort(hostPort);
  try {
    const brokers = await kafkaMetadataProbe(host, port);
    return brokers.some((b) => b.port === port);
  } catch {
    return false;
  }
}

/**
 * Repeats a request until its error_code (read at `errorOffset` in the response) is 0.
 * Best effort: resolves false on timeout or when the broker lacks a usable version.
 */
async function kafkaRequestUntilOk(hostPort, apiKey, [lo, hi], body, errorOffset, timeoutMs) {
  const [host, port] = splitHostPort(hostPort);
  const deadline = Date.now() + timeoutMs;
  let version;
  try {
    version = pickVersion(await kafkaApiVersions(host, port), apiKey, lo, hi);
  } catch {
    return false;
  }
  while (Date.now() < deadline) {
    try {
      const res = await kafkaRequest(host, port, apiKey, version, body);
      if (res.readInt16BE(errorOffset) === 0) return true;
    } catch {}
    await sleep(100);
  }
  return false;
}

/**
 * Makes the first client operations of the tests fast and deterministic:
 * - FindCoordinator(GROUP) creates __consumer_offsets, which otherwise delays the first
 *   consumer group join by 1-5 s;
 * - InitProducerId (non-transactional) makes the broker fetch its first producer-id block,
 *   which otherwise can cost the first idempotent producer a 1 s client retry.
 */
async function kafkaWarmUp(hostPort, timeoutMs = 30_000) {
  const key = Buffer.from('bus-services-warmup');
  const findCoordinator = Buffer.alloc(2 + key.length + 1);
  findCoordinator.writeInt16BE(key.length, 0);
  key.copy(findCoordinator, 2);
  findCoordinator.writeInt8(0, 2 + key.length); // key_type: GROUP
  const initProducerId = Buffer.alloc(6);
  initProducerId.writeInt16BE(-1, 0); // transactional_id: null
  initProducerId.writeInt32BE(60_000, 2); // transaction_timeout_ms
  const [group, producer] = await Promise.all([
    // v1-v2 response: throttle_time_ms, error_code, ...
    kafkaRequestUntilOk(hostPort, 10, [1, 2], findCoordinator, 4, timeoutMs),
    // v0-v1 response: throttle_time_ms, error_code, producer_id, producer_epoch
    kafkaRequestUntilOk(hostPort, 22, [0, 1], initProducerId, 4, timeoutMs),
  ]);
  if (!group) log('warning: the group coordinator did not become available during warm-up');
  if (!producer) log('warning: InitProducerId did not succeed during warm-up');
}

function splitHostPort(hostPort) {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}

// ---------------------------------------------------------------------------------------------
// Kafka

function kafkaVersion() {
  const pom = fs.readFileSync(KAFKA_POM, 'utf8');
  const match = pom.match(/<kafka\.version>([^<]+)<\/kafka\.version>/);
  if (!match) throw new ServicesError(`cannot find <kafka.version> in ${KAFKA_POM}`);
  return match[1].trim();
}

function kafkaLibsDir(version) {
  return path.join(TOOLS_DIR, 'kafka-libs', version);
}

function ensureJava() {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new ServicesError('`java` not found on PATH: Kafka 4.x needs a Java 17+ runtime (apt-get install openjdk-17-jre-headless).');
  }
  const match = `${res.stderr}${res.stdout}`.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major && major < 17) throw new ServicesError(`Kafka 4.x needs Java 17+, found Java ${major}`);
}

function ensureKafkaLibs(version) {
  const dir = kafkaLibsDir(version);
  if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) return dir;
  if (!hasCommand('mvn')) {
    throw new ServicesError(`Kafka ${version} jars are not cached in ${dir} and \`mvn\` is not on PATH (apt-get install maven).`);
  }
  log(`fetching Kafka ${version} jars with Maven into ${dir}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const started = Date.now();
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '-Dstyle.color=never', '-f', KAFKA_POM, 'dependency:copy-dependencies', `-Dkafka.libs.dir=${tmp}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (mvn.error || mvn.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new ServicesError(
      `Maven could not fetch Kafka ${version} (exit ${mvn.status ?? mvn.signal ?? mvn.error?.message}):\n${mvn.stdout ?? ''}${mvn.stderr ?? ''}`,
    );
  }
  const jars = fs.readdirSync(tmp).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith('kafka_2.13-'))) throw new ServicesError(`Maven did not produce the Kafka jars in ${tmp}`);
  fs.writeFileSync(path.join(tmp, COMPLETE_MARKER), `${jars.length} jars\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(tmp, dir);
  log(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return dir;
}

/** A random Kafka cluster id: 16 bytes, base64url without padding, not starting with '-'. */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(brokerPort, controllerPort) {
  const props = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': KAFKA_DATA_DIR,
    // single node: every internal topic with RF 1
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // test friendliness
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    'num.partitions': 3,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
    // small footprint: small segments and indexes, few threads, small cleaner buffer
    'log.segment.bytes': 16 * 1024 * 1024,
    'offsets.topic.segment.bytes': 16 * 1024 * 1024,
    'transaction.state.log.segment.bytes': 16 * 1024 * 1024,
    'share.coordinator.state.topic.segment.bytes': 16 * 1024 * 1024,
    'log.index.size.max.bytes': 1024 * 1024,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    'log.cleaner.threads': 1,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'num.replica.fetchers': 1,
  };
  return `# generated by scripts/services.mjs - do not edit\n${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

function javaBaseArgs(libs) {
  return [
    '-cp',
    `${libs}/*`,
    `-Dlog4j2.configurationFile=${KAFKA_LOG4J}`,
    `-Dkafka.logs.dir=${KAFKA_LOGS_DIR}`,
    '-Djava.awt.headless=true',
  ];
}

function readKafkaPid() {
  const env = readJson(ENV_FILE);
  if (Number.isInteger(env?.kafkaPid)) return env.kafkaPid;
  try {
    const pid = Number(fs.readFileSync(KAFKA_PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function startKafka() {
  ensureJava();
  const version = kafkaVersion();
  const libs = ensureKafkaLibs(version);

  // Anything left from a previous run (crashed `up`, missing `down`) goes away first.
  await stopKafka({ quiet: true });
  fs.rmSync(KAFKA_DIR, { recursive: true, force: true });
  fs.mkdirSync(KAFKA_DATA_DIR, { recursive: true });
  fs.mkdirSync(KAFKA_LOGS_DIR, { recursive: true });

  const [brokerPort, controllerPort] = await freePorts(2);
  fs.writeFileSync(KAFKA_PROPS, serverProperties(brokerPort, controllerPort));

  const clusterId = randomClusterId();
  const format = spawnSync(
    'java',
    [...javaBaseArgs(libs), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', KAFKA_PROPS],
    { cwd: KAFKA_DIR, encoding: 'utf8' },
  );
  if (format.status !== 0) {
    throw new ServicesError(`kafka storage format failed (exit ${format.status ?? format.signal}):\n${format.stdout}${format.stderr}`);
  }

  const out = fs.openSync(KAFKA_STDIO_LOG, 'a');
  const child = spawn(
    'java',
    [
      ...KAFKA_HEAP_OPTS,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      ...javaBaseArgs(libs),
      'kafka.Kafka',
      KAFKA_PROPS,
    ],
    { cwd: KAFKA_DIR, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const pid = child.pid;
  if (!pid) throw new ServicesError('failed to spawn java');
  let exited;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.unref();
  fs.writeFileSync(KAFKA_PID_FILE, `${pid}\n`);
  log(`kafka ${version} starting (pid ${pid}, broker 127.0.0.1:${brokerPort}, controller 127.0.0.1:${controllerPort})`);

  const brokers = `127.0.0.1:${brokerPort}`;
  const deadline = Date.now() + KAFKA_START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      throw new ServicesError(
        `kafka exited during startup (${exited.code ?? exited.signal}).\n--- ${KAFKA_STDIO_LOG} ---\n${tail(KAFKA_STDIO_LOG)}\n--- server.log ---\n${tail(path.join(KAFKA_LOGS_DIR, 'server.log'))}`,
      );
    }
    if (await kafkaAnswers(brokers)) break;
    if (Date.now() > deadline) {
      await stopKafka({ quiet: true, pid });
      throw new ServicesError(
        `kafka did not answer a Metadata request on ${brokers} within ${KAFKA_START_TIMEOUT_MS / 1000}s.\n--- ${KAFKA_STDIO_LOG} ---\n${tail(KAFKA_STDIO_LOG)}\n--- server.log ---\n${tail(path.join(KAFKA_LOGS_DIR, 'server.log'))}`,
      );
    }
    await sleep(250);
  }
  const answeredAt = Date.now();
  await kafkaWarmUp(brokers);
  log(`kafka answers Metadata; warm-up (FindCoordinator, InitProducerId) took ${((Date.now() - answeredAt) / 1000).toFixed(1)}s`);
  return { brokers, pid, version };
}

/** Stops the broker recorded in env.json / kafka.pid. Returns true if one was running. */
async function stopKafka({ quiet = false, pid = readKafkaPid() } = {}) {
  if (!pid || !isOurKafka(pid)) return false;
  const killGroup = (signal) => {
    try {
      process.kill(-pid, signal); // the broker is its own process-group leader (detached)
    } catch {
      try {
        process.kill(pid, signal);
      } catch {}
    }
  };
  if (!quiet) log(`stopping kafka (pid ${pid})`);
  const started = Date.now();
  killGroup('SIGTERM');
  while (isAlive(pid) && Date.now() - started < KAFKA_STOP_TIMEOUT_MS) await sleep(100);
  if (isAlive(pid)) {
    log(`kafka did not stop within ${KAFKA_STOP_TIMEOUT_MS / 1000}s, sending SIGKILL`);
    killGroup('SIGKILL');
    while (isAlive(pid) && Date.now() - started < KAFKA_STOP_TIMEOUT_MS + 5000) await sleep(100);
  }
  if (!quiet) log(`kafka stopped in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Postgres

function pgTarget(url) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
}

async function pgReady({ host, port }) {
  if (hasCommand('pg_isready')) {
    return spawnSync('pg_isready', ['-q', '-h', host, '-p', String(port), '-t', '3'], { stdio: 'ignore' }).status === 0;
  }
  return tcpCheck(host, port);
}

function asRoot(cmd, args) {
  if (process.getuid?.() === 0) return run(cmd, args);
  if (!hasCommand('sudo')) throw new ServicesError(`need root (or sudo) to run ${cmd}`);
  return run('sudo', ['-n', cmd, ...args]);
}

function clusterVersions() {
  try {
    return fs
      .readdirSync('/etc/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

async function installAndStartPostgres(target) {
  if (!hasCommand('pg_ctlcluster') || clusterVersions().length === 0) {
    log('installing PostgreSQL with apt-get');
    asRoot('apt-get', ['update']);
    asRoot('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'postgresql']);
  }
  const version = clusterVersions()[0];
  if (!version) throw new ServicesError('no PostgreSQL cluster found under /etc/postgresql after install');

  // Trust auth over TCP from loopback (first matching pg_hba line wins, so prepend).
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const hbaText = fs.readFileSync(hba, 'utf8');
  if (!/^\s*host\s+all\s+all\s+127\.0\.0\.1\/32\s+trust\s*$/m.test(hbaText)) {
    log(`configuring trust auth for 127.0.0.1 in ${hba}`);
    const lines = '# added by bus scripts/services.mjs\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n';
    if (process.getuid?.() === 0) fs.writeFileSync(hba, lines + hbaText);
    else run('sudo', ['-n', 'tee', hba], { input: lines + hbaText, stdio: ['pipe', 'ignore', 'inherit'] });
  }
  log(`starting PostgreSQL ${version} cluster "main"`);
  const status = spawnSync('pg_ctlcluster', [version, 'main', 'status'], { stdio: 'ignore' });
  if (status.status === 0) asRoot('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'reload']);
  else asRoot('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);

  const deadline = Date.now() + 30_000;
  while (!(await pgReady(target))) {
    if (Date.now() > deadline) throw new ServicesError(`PostgreSQL did not accept connections on ${target.host}:${target.port}`);
    await sleep(250);
  }
}

function ensureDatabase({ host, port, user, database }) {
  if (!hasCommand('psql')) {
    log(`psql not found; cannot verify that database "${database}" exists`);
    return;
  }
  const base = ['-h', host, '-p', String(port), '-U', user, '-w'];
  const check = spawnSync(
    'psql',
    [...base, '-d', 'postgres', '-tAc', `select 1 from pg_database where datname = '${database.replace(/'/g, "''")}'`],
    {
      encoding: 'utf8',
    },
  );
  if (check.status !== 0) {
    log(`warning: cannot query PostgreSQL as ${user}: ${check.stderr.trim()}`);
    return;
  }
  if (check.stdout.trim() === '1') return;
  log(`creating database "${database}"`);
  run('createdb', [...base, database]);
}

async function ensurePostgres(pgUrl, { install }) {
  const target = pgTarget(pgUrl);
  if (!(await pgReady(target))) {
    if (!install) {
      throw new ServicesError(
        `PostgreSQL is not accepting connections on ${target.host}:${target.port}. Start it, set BUS_PG_URL, ` +
          'pass --install-postgres (apt-get install + pg_ctlcluster start), or pass --no-postgres.',
      );
    }
    await installAndStartPostgres(target);
  }
  ensureDatabase(target);
}

// ---------------------------------------------------------------------------------------------
// commands

function printEnv(env) {
  for (const key of ['BUS_KAFKA_BROKERS', 'BUS_PG_URL']) {
    if (env[key]) console.log(`${key}=${env[key]}`);
  }
}

async function up(flags) {
  const started = Date.now();
  const previous = readJson(ENV_FILE) ?? {};
  const env = {};

  if (!flags.has('--no-kafka')) {
    if (previous.BUS_KAFKA_BROKERS && isOurKafka(previous.kafkaPid) && (await kafkaAnswers(previous.BUS_KAFKA_BROKERS))) {
      log(`kafka already running (pid ${previous.kafkaPid}) on ${previous.BUS_KAFKA_BROKERS}`);
      Object.assign(env, {
        BUS_KAFKA_BROKERS: previous.BUS_KAFKA_BROKERS,
        kafkaPid: previous.kafkaPid,
        kafkaVersion: previous.kafkaVersion,
      });
    } else {
      const kafka = await startKafka();
      log(`kafka ${kafka.version} ready on ${kafka.brokers} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      Object.assign(env, { BUS_KAFKA_BROKERS: kafka.brokers, kafkaPid: kafka.pid, kafkaVersion: kafka.version });
    }
    writeJson(ENV_FILE, env); // recorded before the Postgres check, so `down`/`status` see the broker
  }

  if (!flags.has('--no-postgres')) {
    const pgUrl = process.env.BUS_PG_URL || DEFAULT_PG_URL;
    await ensurePostgres(pgUrl, { install: Boolean(process.env.CI) || flags.has('--install-postgres') });
    env.BUS_PG_URL = pgUrl;
  }

  writeJson(ENV_FILE, env);
  log(`services up in ${((Date.now() - started) / 1000).toFixed(1)}s (${path.relative(process.cwd(), ENV_FILE) || ENV_FILE})`);
  printEnv(env);
}

async function down() {
  const stopped = await stopKafka();
  if (!stopped) log('kafka is not running');
  fs.rmSync(KAFKA_DIR, { recursive: true, force: true });
  fs.rmSync(ENV_FILE, { force: true });
  log('services down (PostgreSQL is left alone)');
}

async function status() {
  const env = readJson(ENV_FILE);
  if (!env) {
    log(`no ${ENV_FILE}: services are not up`);
    return 3;
  }
  let ok = true;
  if (env.BUS_KAFKA_BROKERS) {
    const alive = isOurKafka(env.kafkaPid);
    const answers = alive && (await kafkaAnswers(env.BUS_KAFKA_BROKERS));
    ok &&= answers;
    log(
      `kafka ${env.kafkaVersion ?? ''} pid ${env.kafkaPid}: ${alive ? 'alive' : 'dead'}, ${env.BUS_KAFKA_BROKERS} ${answers ? 'answers' : 'does not answer'}`,
    );
  } else {
    log('kafka: not configured');
  }
  if (env.BUS_PG_URL) {
    const ready = await pgReady(pgTarget(env.BUS_PG_URL));
    ok &&= ready;
    log(`postgres ${env.BUS_PG_URL}: ${ready ? 'accepting connections' : 'not accepting connections'}`);
  } else {
    log('postgres: not configured');
  }
  printEnv(env);
  return ok ? 0 : 3;
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const flags = new Set(rest);
  const known = new Set(['--no-kafka', '--no-postgres', '--install-postgres']);
  for (const flag of flags) {
    if (!known.has(flag)) throw new ServicesError(`unknown option ${flag}`);
  }
  switch (command) {
    case 'up':
      await up(flags);
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return status();
    default:
      console.error('usage: node scripts/services.mjs <up|down|status> [--no-kafka] [--no-postgres] [--install-postgres]');
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    log(err instanceof ServicesError ? err.message : err?.stack || String(err));
    process.exitCode = 1;
  },
);
