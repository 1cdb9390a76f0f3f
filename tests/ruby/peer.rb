# Ruby Resque as a live peer for the contract tests, through Resque's public API only.
#   ruby -I$RESQUE_SRC/lib peer.rb <command> [args...]
# REDIS_URL, RESQUE_NAMESPACE, FAILURE_BACKEND (redis | redis_multi_queue), JSON_ADAPTER (json_gem | oj),
# ACTIVESUPPORT=1 (require "active_support/all" first, as a Rails app has), OJ_RAILS=1 (Oj.optimize_rails).
require 'active_support/all' if ENV['ACTIVESUPPORT'] || ENV['OJ_RAILS']
require 'json'
require 'resque'
require 'resque/failure/redis_multi_queue'
require 'multi_json'
require 'resque-scheduler' if ENV['WITH_SCHEDULER'] # on the load path through RESQUE_SCHEDULER_SRC

if ENV['OJ_RAILS']
  require 'oj'
  Oj.optimize_rails
end
MultiJson.use((ENV['JSON_ADAPTER'] || 'json_gem').to_sym)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = ENV['RESQUE_NAMESPACE'] || 'resque'
Resque::Failure.backend = Resque::Failure::RedisMultiQueue if ENV['FAILURE_BACKEND'] == 'redis_multi_queue'
Resque.heartbeat_interval = Integer(ENV['HEARTBEAT_INTERVAL']) if ENV['HEARTBEAT_INTERVAL']
Resque.prune_interval = Integer(ENV['PRUNE_INTERVAL']) if ENV['PRUNE_INTERVAL']
RAW = Redis.new(url: ENV.fetch('REDIS_URL'))

class Archive
  @queue = :file_serve
  def self.perform(*args)
    RAW.rpush('contract:results', JSON.generate(args))
  end
end

class Failing
  @queue = :low
  def self.perform(*_args)
    raise ArgumentError, 'boom <b>'
  end
end

class Blocking
  @queue = :high
  def self.perform(key)
    RAW.blpop(key, timeout: 0)
  end
end

if ENV['WITH_ACTIVEJOB']
  require 'active_job'
  # Resque 3.0 ships its own adapter file for Rails >= 7.2, which shadows Rails 6.1's
  # on the load path and subclasses AbstractAdapter (new in 7.2); give 6.1 one.
  module ActiveJob; module QueueAdapters; AbstractAdapter = Class.new unless const_defined?(:AbstractAdapter); end; end
  ActiveJob::Base.queue_adapter = :resque
  ActiveJob::Base.logger = Logger.new(nil)
  class ArchiveJob < ActiveJob::Base
    queue_as :file_serve
    def perform(*args, **kwargs)
      RAW.rpush('contract:results', JSON.generate(args.map { |a| describe(a) } + [kwargs.transform_keys(&:to_s).transform_values { |v| describe(v) }]))
    end

    def describe(value)
      case value
      when Hash then value.each_with_object({}) { |(k, v), h| h["#{k.class}:#{k}"] = describe(v) }
      when Array then value.map { |v| describe(v) }
      when Symbol, Time, Date, BigDecimal, ActiveSupport::TimeWithZone, ActiveSupport::Duration
        "#{value.class}:#{value.inspect}"
      else value
      end
    end
  end
end

# Failure.all returns a Hash, not an Array, when it is asked for one entry
def failures_of(queue)
  n = Resque::Failure.count(queue)
  found = Resque::Failure.all(0, n, queue)
  n == 1 ? [found] : Array(found)
end

def out(value)
  puts JSON.generate(value)
end

cmd, *args = ARGV
case cmd
when 'enqueue'
  queue, klass, json = args
  out(Resque.enqueue_to(queue, klass, *JSON.parse(json || '[]')))
when 'encode'
  # one JSON value per input line, re-encoded by Resque.encode
  STDIN.each_line { |line| puts Resque.encode(JSON.parse(line)) }
when 'work'
  queues = args[0].split(',')
  Resque::Worker.new(*queues).work(Float(args[1] || 0))
when 'info'
  info = Resque.info
  info.delete(:servers)
  out(info: info, workers: Resque.workers.map(&:to_s).sort, working: Resque.working.map(&:to_s).sort,
      failed: Resque::Failure.count, queues: Resque.queues.sort,
      failures: Resque::Failure.queues.flat_map { |q| failures_of(q) })
when 'dequeue'
  out(Resque.dequeue(Archive, *JSON.parse(args[0])))
when 'peek'
  out(Resque.peek(args[0], 0, 100))
when 'requeue'
  index, queue = args
  out(Resque::Failure.requeue(Integer(index), queue))
when 'pause'
  Resque.redis.set('pause-all-workers', 'true')
  out(true)
when 'prune'
  Resque::Worker.new(*args[0].split(',')).prune_dead_workers
  out(true)
when 'web'
  # the real resque-web (Resque::Server) on WEB_HOST (127.0.0.1):<port>
  require 'resque/server'
  require 'resque/scheduler/server' if ENV['WITH_SCHEDULER'] # its Schedule and Delayed tabs
  require 'rack'
  require 'webrick'
  handler = defined?(Rack::Handler::WEBrick) ? Rack::Handler::WEBrick : Rackup::Handler::WEBrick
  handler.run(Resque::Server.new, Host: ENV['WEB_HOST'] || '127.0.0.1', Port: Integer(args[0]),
              AccessLog: [], Logger: WEBrick::Log.new(nil, 0))
when 'aj_enqueue'
  json = JSON.parse(args[0])
  Time.zone = 'Europe/London'
  ArchiveJob.perform_later(44, 'masterbrew', { sym: 1, 'str' => { deep: :x } }, Time.utc(2026, 11, 28, 12, 0, 0.5r),
                           Time.zone.local(2026, 6, 1, 9, 30), Date.new(2026, 11, 28), BigDecimal('1.10'), 2**70,
                           :a_symbol, flag: true) if json == 'rich'
  if json == 'durations'
    Time.zone = 'UTC'
    ArchiveJob.perform_later(1.5.hours, 1.hour + 30.minutes, Time.zone.local(2026, 11, 28, 12, 0, 0.5r), '<b>&',
                             at: 2.days)
  end
  ArchiveJob.perform_later(*json) if json.is_a?(Array)
  out(true)
when 'aj_enqueue_in'
  # with resque-scheduler loaded, the Rails adapter delays through Resque.enqueue_at_with_queue
  out(ArchiveJob.set(wait: Integer(args[1])).perform_later(*JSON.parse(args[0])).job_id)
else
  abort "unknown command #{cmd}"
end
