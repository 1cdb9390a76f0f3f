// node-resque side of benchmarks/: node bench.js work <queue> <n> | enqueue <queue> <n> | latency <queue> <n>
//   | enqueue_at <queue> <n> (delayed, far in the future) | schedule <queue> <n> (move what is due)
"use strict";
const { Queue, Scheduler, Worker } = require("node-resque");
const IORedis = require("ioredis");
const url = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379/0");
const connection = { pkg: "ioredis", host: url.hostname, port: Number(url.port || 6379),
  database: Number((url.pathname || "/0").slice(1) || 0), namespace: "resque" };
const raw = new IORedis({ host: connection.host, port: connection.port, db: connection.database });
const jobs = {
  Noop: { perform: async () => true },
  Latency: { perform: async (sent) => { await raw.rpush("bench:latency", String(Date.now() / 1000 - sent)); return true; } },
};

async function work(queue, n, timeout) {
  const worker = new Worker({ connection, queues: [queue], timeout }, jobs);
  await worker.connect();
  let done = 0;
  let start = 0;
  const finished = new Promise((resolve) => {
    worker.on("success", () => { done += 1; if (done >= n) resolve(); });
    worker.on("failure", () => { done += 1; if (done >= n) resolve(); });
  });
  start = process.hrtime.bigint();
  worker.start();
  await finished;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await worker.end();
  console.log(JSON.stringify({ seconds, n }));
}

async function enqueue(queue, n) {
  const q = new Queue({ connection }, jobs);
  await q.connect();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await q.enqueue(queue, "Noop", [i]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await q.end();
  console.log(JSON.stringify({ seconds, n }));
}

async function enqueueAt(queue, n) {
  const q = new Queue({ connection }, jobs);
  await q.connect();
  const at = Date.now() + 86400 * 1000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await q.enqueueAt(at + (i % 100) * 1000, queue, "Noop", [i]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await q.end();
  console.log(JSON.stringify({ seconds, n }));
}

async function schedule(queue, n) {
  const scheduler = new Scheduler({ connection }, jobs);
  await scheduler.connect();
  const start = process.hrtime.bigint();
  await scheduler.poll();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await scheduler.end();
  console.log(JSON.stringify({ seconds, n }));
}

(async () => {
  const [cmd, queue, n, timeout] = process.argv.slice(2);
  if (cmd === "work") await work(queue, Number(n), Number(timeout || 5));
  else if (cmd === "enqueue") await enqueue(queue, Number(n));
  else if (cmd === "enqueue_at") await enqueueAt(queue, Number(n));
  else if (cmd === "schedule") await schedule(queue, Number(n));
  await raw.quit();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
