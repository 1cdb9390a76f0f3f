# Ruby Resque side of benchmarks/: ruby -I$RESQUE_SRC/lib bench.rb work <queue> <n> <fork:true|false> | enqueue <queue> <n>
require 'json'
require 'resque'
require 'multi_json'
MultiJson.use(:json_gem)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
RAW = Redis.new(url: ENV.fetch('REDIS_URL'))
class Noop; @queue = :bench; def self.perform(*_a); end; end
class Latency; def self.perform(sent); RAW.rpush('bench:latency', (Time.now.to_f - sent).to_s); end; end

cmd, queue, n, fork = ARGV
n = Integer(n)
case cmd
when 'work'
  ENV['FORK_PER_JOB'] = 'false' if fork == 'false'
  worker = Resque::Worker.new(queue)
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  worker.work(0)
  puts JSON.generate(seconds: Process.clock_gettime(Process::CLOCK_MONOTONIC) - t, n: n)
when 'enqueue'
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  n.times { |i| Resque.enqueue_to(queue, Noop, i) }
  puts JSON.generate(seconds: Process.clock_gettime(Process::CLOCK_MONOTONIC) - t, n: n)
end
