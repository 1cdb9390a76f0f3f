# Ruby side of benchmarks/retry.py: drain <n> jobs of <class> with one in-process worker.
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib -I$RESQUE_RETRY_SRC/lib bench_retry.rb <queue> <n> <class>
require 'json'
require 'resque'
require 'resque-retry'
require 'multi_json'
require 'resque/failure/redis'
MultiJson.use(:json_gem)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque::Failure::MultipleWithRetrySuppression.classes = [Resque::Failure::Redis]
Resque::Failure.backend = Resque::Failure::MultipleWithRetrySuppression

class Plain; def self.perform(*_a); end; end

class WithRetry
  extend Resque::Plugins::Retry
  @retry_limit = 3
  def self.perform(*_a); end
end

# fails its first run, succeeds on the retry (a plain enqueue)
class FailOnce
  extend Resque::Plugins::Retry
  @retry_limit = 3
  def self.perform(*_a)
    raise 'first run fails' if retry_attempt.zero?
  end
end

queue, n, _klass = ARGV
ENV['FORK_PER_JOB'] = 'false'
worker = Resque::Worker.new(queue)
t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
worker.work(0)
puts JSON.generate(seconds: Process.clock_gettime(Process::CLOCK_MONOTONIC) - t, n: Integer(n))
