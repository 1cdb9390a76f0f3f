// node-resque as a live peer for the contract tests.
//   node peer.js enqueue <queue> <class> <json-args>
//   node peer.js work <queue,queue> <jobs-to-run> <timeout-ms>
//   node peer.js retry <failed-index>
//   node peer.js failed           (prints the failed list as node-resque reads it)
//   node peer.js enqueue_at <queue> <class> <json-args> <epoch-ms>   (delayed, as queue.enqueueAt)
//   node peer.js schedule         (one round of node-resque's scheduler: moves due delayed jobs)
// Connection from REDIS_URL (redis://host:port/db), namespace from RESQUE_NAMESPACE.
"use strict";
const { Queue, Scheduler, Worker } = require("node-resque");
const IORedis = require("ioredis");

const url = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379/0");
const connection = {
  pkg: "ioredis",
  host: url.hostname,
  port: Number(url.port || 6379),
  database: Number((url.pathname || "/0").slice(1) || 0),
  namespace: process.env.RESQUE_NAMESPACE || "resque",
};
const raw = new IORedis({ host: connection.host, port: connection.port, db: connection.database });

const jobs = {
  Archive: {
    perform: async (...args) => {
      await raw.rpush("contract:results", JSON.stringify(args));
      return true;
    },
  },
  Failing: {
    perform: async () => {
      throw new Error("boom");
    },
  },
};

async function enqueue(queueName, className, args) {
  const queue = new Queue({ connection }, jobs);
  await queue.connect();
  await queue.enqueue(queueName, className, JSON.parse(args));
  await queue.end();
}

async function work(queues, count, timeoutMs) {
  const worker = new Worker({ connection, queues: queues.split(","), timeout: 20 }, jobs);
  await worker.connect();
  let done = 0;
  const finished = new Promise((resolve) => {
    const tick = () => { done += 1; if (done >= count) resolve(); };
    worker.on("success", tick);
    worker.on("failure", tick);
    setTimeout(resolve, timeoutMs);
  });
  worker.start();
  console.log(`worker ${worker.name} started`);
  await finished;
  await worker.end();
  console.log(`worker done ${done}`);
}

async function retry(index) {
  const queue = new Queue({ connection }, jobs);
  await queue.connect();
  const failed = await queue.failed(Number(index), Number(index));
  await queue.retryAndRemoveFailed(failed[0]);
  await queue.end();
}

async function enqueueAt(queueName, className, args, timestampMs) {
  const queue = new Queue({ connection }, jobs);
  await queue.connect();
  await queue.enqueueAt(Number(timestampMs), queueName, className, JSON.parse(args));
  await queue.end();
}

async function schedule() {
  const scheduler = new Scheduler({ connection }, jobs);
  await scheduler.connect();
  await scheduler.poll();
  await scheduler.end();
}

async function failed() {
  const queue = new Queue({ connection }, jobs);
  await queue.connect();
  console.log(JSON.stringify(await queue.failed(0, -1)));
  await queue.end();
}

(async () => {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "failed") await failed();
  else if (cmd === "enqueue") await enqueue(rest[0], rest[1], rest[2] || "[]");
  else if (cmd === "retry") await retry(rest[0]);
  else if (cmd === "enqueue_at") await enqueueAt(rest[0], rest[1], rest[2], rest[3]);
  else if (cmd === "schedule") await schedule();
  else if (cmd === "work") await work(rest[0], Number(rest[1]), Number(rest[2] || 10000));
  else throw new Error(`unknown command ${cmd}`);
  await raw.quit();
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
