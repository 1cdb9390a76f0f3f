# resque-scheduler 5.0's delayed-items mover (handle_delayed_items, as its master runs it)
# with a command run once between its LRANGE of a delayed:<ts> list and its WATCH of it:
# the window where another writer makes Ruby queue stale items.
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib interleaved_move.rb <command> [args...]
# REDIS_URL, RESQUE_NAMESPACE. Prints one line of JSON: whether the command ran.
require 'json'
require 'resque'
require 'resque-scheduler'

Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = ENV['RESQUE_NAMESPACE'] || 'resque'
Resque::Scheduler.quiet = true

class Archive
  @queue = :file_serve
end

# Runs ARGV once, right after the first LRANGE of a delayed list returns.
module BetweenReadAndWatch
  def lrange(key, *rest)
    found = super
    if key.to_s.start_with?('delayed:') && !$interleaved
      $interleaved = true
      system(*ARGV) or abort "the interleaved command failed: #{ARGV.inspect}"
    end
    found
  end
end
Redis::Namespace.prepend(BetweenReadAndWatch)

abort 'another scheduler holds the master lock' unless Resque::Scheduler.master?
Resque::Scheduler.handle_delayed_items
Resque::Scheduler.release_master_lock
puts JSON.generate(!!$interleaved)
