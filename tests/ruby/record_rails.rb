# Records what Ruby Resque 3.0.0 writes inside a Rails app: ActiveSupport loaded
# (`require "active_support/all"`, as every Rails app has), through Resque's public API only.
#   ruby -I$RESQUE_SRC/lib [-I$RESQUE_SCHEDULER_SRC/lib] record_rails.rb <mode> <out_dir>
# mode: rails    -- MultiJson on the json gem (a stock Rails Gemfile)
#       oj_as    -- MultiJson on Oj (the oj gem in the Gemfile), ActiveSupport loaded
#       oj_rails -- Oj.optimize_rails, MultiJson on Oj (as it picks when the oj gem is loaded)
#       rails_oj -- Oj.optimize_rails with MultiJson forced onto the json gem (Oj stands in for ActiveSupport)
# REDIS_URL: an empty database the recorder may FLUSHDB. Writes <out_dir>/<scenario>_<mode>.json.
require 'active_support/all'
require 'json'
require 'bigdecimal'
require 'resque'
require 'multi_json'

MODE = ARGV[0]
OUT = ARGV[1]
case MODE
when 'rails' then MultiJson.use(:json_gem)
when 'oj_as' then MultiJson.use(:oj)
when 'oj_rails', 'rails_oj'
  require 'oj'
  Oj.optimize_rails
  MultiJson.use(MODE == 'oj_rails' ? :oj : :json_gem)
else abort "unknown mode #{MODE}"
end
begin
  require 'resque-scheduler'
  Resque::Scheduler.quiet = true
rescue LoadError
  nil
end
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = 'resque'
RAW = Redis.new(url: ENV.fetch('REDIS_URL'))

class Archive
  @queue = :file_serve
end

class Noop
  @queue = :low
end

module Foo
  class Bar
    @queue = :high
  end
end

class Failing
  @queue = :low
end

# The plain recordings' arguments (enqueue_payloads.json), then what a Rails app adds.
ARGS = [44, -5, 2**70, 0, 1.0, 0.1, 1.0e20, 1.5e-07, 100.0, -0.0, 123_456_789.125, 'masterbrew', "é😀中",
        "/<script>&'\"", "\u2028\u2029", "\u0001\t\n\\", '', nil, true, false, [], {}, { 'a' => { 'b' => [1, 'x'] } },
        { sym: 1, 'str' => :symval }, -2**70].freeze
RAILS_ARGS = ['<b>&</b>', "a\u2028b\u2029c", { '<k>&' => '>' }, "\u007f\u00ad\ufeff\u0000", 0.30000000000000004,
              1.0e15, 1.0e16, 9.2e18, 9.3e18, 2.0**63, -2.0**63, 1_234_567_890_123_456.8, 9.5e-05, 5.0e-324,
              1.7976931348623157e308, 1.0e22, 1.0 / 3, 1.0e-05, 12_345_678_901_234_567.0,
              Float::NAN, Float::INFINITY, -Float::INFINITY,
              BigDecimal('1.10'), BigDecimal('-0'), BigDecimal('1e30'), BigDecimal('0.1e-20'), BigDecimal('NaN')].freeze

def dump
  RAW.scan_each(match: '*').to_a.sort.each_with_object({}) do |key, out|
    type = RAW.type(key)
    value =
      case type
      when 'string' then RAW.get(key)
      when 'list' then RAW.lrange(key, 0, -1)
      when 'set' then RAW.smembers(key).sort
      when 'hash' then RAW.hgetall(key).sort.to_h
      when 'zset' then RAW.zrange(key, 0, -1, with_scores: true)
      end
    out[key] = { 'type' => type, 'ttl' => RAW.ttl(key), 'value' => value }
  end
end

def jsonable(value)
  case value
  when Hash then value.to_h { |k, v| [k.to_s, jsonable(v)] }
  when Array then value.map { |v| jsonable(v) }
  when String, Integer, TrueClass, FalseClass, NilClass then value
  else value.to_s
  end
end

def record(scenario, description, extra = {})
  RAW.flushdb
  steps = []
  step = lambda do |name, ruby, &block|
    before = dump
    result = begin
      jsonable(block.call)
    rescue StandardError => e
      "raised #{e.class}"
    end
    steps << { 'step' => name, 'ruby' => ruby, 'result' => result, 'keyspace_before' => before, 'keyspace' => dump }
  end
  yield step
  data = { 'scenario' => scenario, 'resque_version' => Resque::VERSION, 'namespace' => 'resque',
           'tz' => 'unset (UTC machine)', 'mode' => MODE, 'multi_json_adapter' => MultiJson.adapter.to_s,
           'activesupport_version' => ActiveSupport::VERSION::STRING, 'json_version' => JSON::VERSION,
           'oj' => defined?(Oj) ? Oj::VERSION : nil, 'description' => description, **extra, 'steps' => steps }
  File.write(File.join(OUT, "#{scenario}_#{MODE}.json"), "#{JSON.pretty_generate(data)}\n")
end

def each_alone(args)
  args.map do |a|
    Resque.enqueue(Archive, a)
    'ok'
  rescue StandardError => e
    "raised #{e.class}"
  end
end

record('enqueue_payloads', 'Resque.enqueue with ActiveSupport loaded: the plain recordings\' steps, then the ' \
                           'arguments a Rails app adds (HTML characters, U+2028, floats, NaN, BigDecimal)') do |step|
  step.call('enqueue Archive 44 masterbrew', "Resque.enqueue(Archive, 44, 'masterbrew')") { Resque.enqueue(Archive, 44, 'masterbrew') }
  step.call('enqueue without args', 'Resque.enqueue(Noop)') { Resque.enqueue(Noop) }
  step.call('each arg kind alone', "ARGS.each { |a| Resque.enqueue(Archive, a) }  # ARGS: #{ARGS.inspect}") { each_alone(ARGS) && nil }
  step.call('all args in one job', 'Resque.enqueue(Archive, *ARGS)') { Resque.enqueue(Archive, *ARGS) }
  step.call('module class', 'Resque.enqueue(Foo::Bar, 1)') { Resque.enqueue(Foo::Bar, 1) }
  step.call('enqueue_to', "Resque.enqueue_to('odd queue:name/é', Archive, 1)") { Resque.enqueue_to('odd queue:name/é', Archive, 1) }
  step.call('push raw hash', "Resque.push('raw', 'class' => 'Archive', 'args' => [1], 'extra' => 'kept')") do
    Resque.push('raw', 'class' => 'Archive', 'args' => [1], 'extra' => 'kept')
  end
  step.call('rails args alone', "RAILS_ARGS.map { |a| Resque.enqueue(Archive, a) }  # RAILS_ARGS: #{RAILS_ARGS.inspect}") do
    RAW.del('resque:queue:file_serve')
    each_alone(RAILS_ARGS)
  end
  step.call('html class name and queue', "Resque.enqueue_to('q<&>', 'A<b>&C', '<x>')") { Resque.enqueue_to('q<&>', 'A<b>&C', '<x>') }
end

record('failures', 'a failure entry, its requeue and a failed job whose exception message holds HTML characters, ' \
                   'with ActiveSupport loaded') do |step|
  payload = { 'class' => 'Failing', 'args' => ['<b>&', "\u2028", 1.0e15, 0.1] }
  step.call('fail', "Resque::Job.new('low', #{payload.inspect}).fail(RuntimeError.new('boom <b> & \\u2028'))") do
    Resque::Job.new('low', payload).fail(RuntimeError.new("boom <b> & \u2028"))
    Resque::Failure.count
  end
  step.call('requeue', 'Resque::Failure.requeue(0)') { Resque::Failure.requeue(0) }
end

if defined?(Resque::Scheduler)
  record('delayed', 'resque-scheduler 5.0 with ActiveSupport loaded: enqueue_at and remove_delayed of a job ' \
                    'with HTML characters and floats', 'resque_scheduler_version' => Resque::Scheduler::VERSION) do |step|
    args = ['<b>&', "\u2028", 1.0e15, 0.1, 1.0e20]
    step.call('enqueue_at', "Resque.enqueue_at(Time.at(1900000000), Archive, *#{args.inspect})") do
      Resque.enqueue_at(Time.at(1_900_000_000), Archive, *args)
    end
    step.call('enqueue_at again', 'Resque.enqueue_at(Time.at(1900000060), Archive, *args)') do
      Resque.enqueue_at(Time.at(1_900_000_060), Archive, *args)
    end
    step.call('remove_delayed', 'Resque.remove_delayed(Archive, *args)') { Resque.remove_delayed(Archive, *args) }
  end
end

if MODE == 'rails'
  require 'active_job'
  require 'globalid'
  # Resque 3.0 ships its own adapter file for Rails >= 7.2 (see peer.rb); give 6.1 its base class.
  module ActiveJob; module QueueAdapters; AbstractAdapter = Class.new unless const_defined?(:AbstractAdapter); end; end
  ActiveJob::Base.queue_adapter = :resque
  ActiveJob::Base.logger = Logger.new(nil)
  GlobalID.app = 'bbc'
  class Episode
    include GlobalID::Identification
    attr_reader :id
    def initialize(id) = @id = id
    def self.find(id) = new(id)
  end
  class ArchiveJob < ActiveJob::Base
    queue_as :file_serve
  end
  # One job per argument kind, job_id fixed; enqueued_at is the clock's (tests compare its format).
  AJ_ARGS = {
    'duration 1.5.hours' => -> { 1.5.hours },
    'duration 2.hours' => -> { 2.hours },
    'duration 1.hour + 30.minutes' => -> { 1.hour + 30.minutes },
    'duration 3.days' => -> { 3.days },
    'duration 1.month' => -> { 1.month },
    'Time.current (Time.zone UTC)' => -> { Time.zone = 'UTC'; Time.zone.local(2026, 11, 28, 12, 0, 0.5r) },
    'TimeWithZone London' => -> { Time.zone = 'Europe/London'; Time.zone.local(2026, 6, 1, 9, 30) },
    'Time.utc' => -> { Time.utc(2026, 11, 28, 12, 0, 0.5r) },
    'Time with offset' => -> { Time.new(2026, 11, 28, 12, 0, 0, '+05:30') },
    'DateTime' => -> { DateTime.new(2026, 11, 28, 12, 0, 0, '+01:00') },
    'Date' => -> { Date.new(2026, 11, 28) },
    'BigDecimal' => -> { BigDecimal('1.10') },
    'Symbol' => -> { :a_symbol },
    'Module' => -> { ArchiveJob },
    'GlobalID' => -> { Episode.new(44) },
    'html string' => -> { "<b>&</b> \u2028" },
    'symbol keys' => -> { { sym: 1, 'str' => { deep: :x } } },
    'indifferent hash' => -> { ActiveSupport::HashWithIndifferentAccess.new('a' => 1) },
  }.freeze
  record('activejob', "ActiveJob #{ActiveJob::VERSION::STRING} (:resque adapter) with ActiveSupport loaded: one job per " \
                      'argument kind, then keyword arguments', 'activejob_version' => ActiveJob::VERSION::STRING) do |step|
    AJ_ARGS.each_with_index do |(name, make), i|
      step.call(name, "ArchiveJob.new(#{name}).tap { |j| j.job_id = 'job-#{i}' }.enqueue") do
        RAW.del('resque:queue:file_serve')
        Time.zone = nil
        job = ArchiveJob.new(make.call)
        job.job_id = "job-#{i}"
        job.enqueue
        Time.zone = nil
        true
      end
    end
    step.call('keyword arguments', "ArchiveJob.new(44, flag: true, at: 1.5.hours).tap { |j| j.job_id = 'job-kw' }.enqueue") do
      RAW.del('resque:queue:file_serve')
      job = ArchiveJob.new(44, flag: true, at: 1.5.hours)
      job.job_id = 'job-kw'
      job.enqueue
      true
    end
  end
end
