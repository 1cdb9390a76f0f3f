# resque-scheduler side of benchmarks/delayed.py:
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib bench_scheduler.rb enqueue_at <queue> <n> | move <queue> <n>
require 'json'
require 'resque'
require 'resque-scheduler'
require 'multi_json'
MultiJson.use(:json_gem)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque::Scheduler.quiet = true
class Noop; @queue = :bench; def self.perform(*_a); end; end

cmd, queue, n = ARGV
n = Integer(n)
t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
case cmd
when 'enqueue_at'
  at = Time.now + 86_400
  n.times { |i| Resque.enqueue_at_with_queue(queue, at + (i % 100), Noop, i) }
when 'move'
  Resque::Scheduler.handle_delayed_items
  Resque::Scheduler.release_master_lock
end
puts JSON.generate(seconds: Process.clock_gettime(Process::CLOCK_MONOTONIC) - t, n: n)
