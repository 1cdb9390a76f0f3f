# resque-retry 1.8.1 as a live peer, through its public API only.
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib -I$RESQUE_RETRY_SRC/lib retry_peer.rb <command> [args...]
# REDIS_URL, RESQUE_NAMESPACE. Prints one line of JSON.
#
# The jobs' outcomes come from Redis, so either language can run any attempt: each run
# LPOPs "retry-test:plan" ("fail", "fail:<ExceptionClass>" or anything else for success)
# and RPUSHes "ruby" to "retry-test:ran".
require 'json'
require 'resque'
require 'resque-retry'
require 'multi_json'
require 'resque/failure/redis'

MultiJson.use(:json_gem)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = ENV['RESQUE_NAMESPACE'] || 'resque'
Resque::Scheduler.quiet = true
Resque::Failure::MultipleWithRetrySuppression.classes = [Resque::Failure::Redis]
Resque::Failure.backend = Resque::Failure::MultipleWithRetrySuppression

class BusyError < StandardError; end

module PlannedRun
  def perform(*_args)
    Resque.redis.rpush('retry-test:ran', 'ruby')
    step = Resque.redis.lpop('retry-test:plan').to_s
    return unless step.start_with?('fail')

    kind = step.split(':', 2)[1]
    raise (kind ? Object.const_get(kind) : RuntimeError), "planned failure"
  end
end

# limit 3, no delay: retries are plain enqueues
class RetryNow
  extend Resque::Plugins::Retry
  extend PlannedRun
  @queue = :retry_q
  @retry_limit = 3
  @retry_delay = 0
end

# limit 3, 60 s: retries go through resque-scheduler's delayed queue
class RetryLater
  extend Resque::Plugins::Retry
  extend PlannedRun
  @queue = :retry_q
  @retry_limit = 3
  @retry_delay = 60
end

# the default: one retry
class RetryOnce
  extend Resque::Plugins::Retry
  extend PlannedRun
  @queue = :retry_q
end

# only BusyError is retried
class RetryBusy
  extend Resque::Plugins::Retry
  extend PlannedRun
  @queue = :retry_q
  @retry_limit = 2
  @retry_exceptions = [BusyError]
end

def run_one(queue)
  job = Resque.reserve(queue)
  return nil unless job

  worker = Resque::Worker.new(queue)
  job.worker = worker
  worker.perform(job)
  job.payload
end

cmd, *rest = ARGV
result =
  case cmd
  when 'key' then Object.const_get(rest[0]).redis_retry_key(*JSON.parse(rest[1]))
  when 'keys' then JSON.parse(rest[1]).map { |args| Object.const_get(rest[0]).redis_retry_key(*args) }
  when 'enqueue' then Resque.enqueue(Object.const_get(rest[0]), *JSON.parse(rest[1]))
  when 'run_one' then run_one(rest[0] || 'retry_q')
  when 'handle'
    Resque::Scheduler.handle_delayed_items(Integer(rest[0]))
    Resque::Scheduler.release_master_lock
    nil
  when 'dirty'
    # what a Ruby worker's parent does when its child died mid-job
    job = Resque::Job.new(rest[1] || 'retry_q', JSON.parse(rest[0]))
    job.worker = Resque::Worker.new('retry_q')
    job.fail(Resque::DirtyExit.new('Child process received unhandled signal pid 1 SIGKILL (signal 9)'))
    nil
  else abort "unknown command #{cmd}"
  end
puts JSON.generate(result)
