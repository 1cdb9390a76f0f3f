# resque-scheduler 5.0's scheduler loop as a live peer:
#   ruby -I$RESQUE_SRC/lib -I$RESQUE_SCHEDULER_SRC/lib scheduler_run.rb [schedule.yml]
# REDIS_URL, RESQUE_NAMESPACE; resque-scheduler's own DYNAMIC_SCHEDULE, LOCK_TIMEOUT,
# RESQUE_SCHEDULER_INTERVAL and RAILS_ENV. The YAML file becomes its static schedule.
require 'yaml'
require 'resque'
require 'resque-scheduler'

$stdout.sync = true
Resque.redis = Redis.new(url: ENV.fetch('REDIS_URL'))
Resque.redis.namespace = ENV['RESQUE_NAMESPACE'] || 'resque'

class Archive
  @queue = :file_serve
end

Resque.schedule = YAML.load_file(ARGV[0]) if ARGV[0]
Resque::Scheduler.run
