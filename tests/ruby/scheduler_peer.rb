# resque-scheduler as a live peer, through its public API only.
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib scheduler_peer.rb <command> [args...]
# REDIS_URL, RESQUE_NAMESPACE, and as peer.rb: JSON_ADAPTER, ACTIVESUPPORT=1, OJ_RAILS=1. Prints one line of JSON.
require 'active_support/all' if ENV['ACTIVESUPPORT'] || ENV['OJ_RAILS']
require 'json'
require 'resque'
require 'resque-scheduler'
require 'multi_json'

if ENV['OJ_RAILS']
  require 'oj'
  Oj.optimize_rails
end
MultiJson.use((ENV['JSON_ADAPTER'] || 'json_gem').to_sym)
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = ENV['RESQUE_NAMESPACE'] || 'resque'
Resque::Scheduler.quiet = true

class Archive
  @queue = :file_serve
end

class Report
  @queue = :reports
end

cmd, *rest = ARGV
result =
  case cmd
  when 'enqueue_at' then Resque.enqueue_at(Time.at(Integer(rest[0])), Archive, *JSON.parse(rest[1]))
  when 'delayed_push' then Resque.delayed_push(Time.at(Integer(rest[0])), JSON.parse(rest[1]))
  when 'enqueue_many'
    # jobs Archive(tag, i) for i in from...to, due over span seconds from the epoch second first
    first, span, from, to, tag = Integer(rest[0]), Integer(rest[1]), Integer(rest[2]), Integer(rest[3]), rest[4]
    (from...to).each { |i| Resque.enqueue_at(Time.at(first + (i % span)), Archive, tag, i) }
    to - from
  when 'find_selection', 'remove_selection', 'enqueue_selection'
    # the selection calls with a block selecting args that include the JSON value rest[1];
    # rest[0] is the class name ('' for any)
    value = JSON.parse(rest[1])
    Resque.send(cmd.sub('_selection', '_delayed_selection'), rest[0].empty? ? nil : rest[0]) do |args|
      Array(args).include?(value)
    end
  when 'remove' then Resque.remove_delayed(Archive, *JSON.parse(rest[0]))
  when 'count' then [Resque.delayed_queue_schedule_size, Resque.count_all_scheduled_jobs]
  when 'scheduled_at' then Resque.scheduled_at(Archive, *JSON.parse(rest[0]))
  when 'master' then Resque::Scheduler.master?
  when 'set_schedule' then Resque.set_schedule(rest[0], JSON.parse(rest[1]).merge('persist' => true))
  when 'schedule' then Resque.reload_schedule!
  when 'last_enqueued_at' then Resque.get_last_enqueued_at(rest[0])
  when 'handle'
    Resque::Scheduler.handle_delayed_items
    Resque::Scheduler.release_master_lock
    nil
  else abort "unknown command #{cmd}"
  end
puts JSON.generate(result)
