# Records rufus-scheduler's view of resque-scheduler `cron:` and `every:` values:
# for each cron line, its next run times after a start instant (Fugit::Cron#next_time,
# which rufus-scheduler's CronJob uses); for each every value, its length in
# seconds (Rufus::Scheduler.parse_duration, which EveryJob uses); nil where
# rufus refuses the value. Run with TZ=UTC (a line without a zone is local time):
#   TZ=UTC ruby tests/ruby/rufus_next_times.rb > tests/ruby_fixtures/rufus_next_times.json
require 'json'
require 'time'
require 'rufus-scheduler'

COUNT = 6
GENERIC = '2026-06-10T10:17:23Z'

# [line, start instant]; starts sit just before DST changes where the line has a zone with one
CRONS = [
  ['* * * * *', GENERIC],
  ['*/15 * * * *', GENERIC],
  ['0 9 * * 1-5', GENERIC],
  ['5-10/2 8 * * *', GENERIC],
  ['0 8-18/3 * * *', GENERIC],
  ['*/7 * * * *', GENERIC],
  ['0 0 1 * *', GENERIC],
  ['0 0 1,15 * *', GENERIC],
  ['0 0 31 * *', GENERIC],
  ['0 0 29 2 *', GENERIC],
  ['59 23 31 12 *', GENERIC],
  ['0 0 * jan,jul *', GENERIC],
  ['0 0 * * sat,sun', GENERIC],
  ['0 0 * * 0', GENERIC],
  ['0 0 * * 7', GENERIC],
  ['0 0 13 * 5', GENERIC],
  ['0 0 29 2 1', GENERIC],
  ['0 0 L * *', GENERIC],
  ['0 12 * * 1#1', GENERIC],
  ['0 12 * * mon#2', GENERIC],
  ['0 12 * * fri#-1', GENERIC],
  ['@daily', GENERIC],
  ['@hourly', GENERIC],
  ['@weekly', GENERIC],
  ['*/10 * * * * *', GENERIC],
  ['15 */2 * * * *', GENERIC],
  ['0 0 * * * UTC', GENERIC],
  ['0 4 * * * America/New_York', GENERIC],
  ['0 */6 * * * Asia/Kolkata', GENERIC],
  ['0 12 * * * Pacific/Chatham', GENERIC],
  ['0 9 * * 1-5 Europe/London', GENERIC],
  ['30 2 * * * Europe/Berlin', '2026-03-27T12:00:00Z'],
  ['30 2 * * * Europe/Berlin', '2026-10-23T12:00:00Z'],
  ['0 * * * * Europe/Berlin', '2026-03-29T00:30:00Z'],
  ['0 * * * * Europe/Berlin', '2026-10-24T23:30:00Z'],
  ['*/30 * * * * Europe/Berlin', '2026-10-24T23:50:00Z'],
  ['0 2 * * * America/New_York', '2026-03-06T12:00:00Z'],
  ['30 1 * * * America/New_York', '2026-10-30T12:00:00Z'],
  ['0 3 * * * Australia/Sydney', '2026-04-03T00:00:00Z'],
  ['0 2 * * * Australia/Sydney', '2026-10-02T00:00:00Z'],
  ['0 0 * * * America/Sao_Paulo', GENERIC],
  # refused by rufus
  ['61 * * * *', GENERIC],
  ['* * *', GENERIC],
  ['every day', GENERIC],
  ['0 0 * * * Nowhere/Zone', GENERIC],
  ['0 25 * * *', GENERIC]
].freeze

# lines without a zone run in the process's local zone (TZ): [line, start, TZ]
LOCAL = [
  ['30 2 * * *', '2026-03-27T12:00:00Z', 'Europe/Berlin'],
  ['30 2 * * *', '2026-10-23T12:00:00Z', 'Europe/Berlin'],
  ['0 * * * *', '2026-11-01T04:30:00Z', 'America/New_York'],
  ['*/20 1 * * *', '2026-10-31T12:00:00Z', 'America/New_York'],
  ['0 9 * * 1-5', GENERIC, 'Asia/Kolkata']
].freeze

EVERYS = ['1s', '30s', '5m', '1h30m', '1h 30m', '2d', '1w', '1d12h', '0.5s', '1.5h', '90', '3600s', '1M', '1y',
          '2w3d4h5m6s', '10m30s', '1h0m', '-1h', 'soon', ''].freeze

def iso(t)
  t.to_t.utc.iso8601
end

def record(line, from)
  cron = Fugit::Cron.parse(line)
  return { 'cron' => line, 'from' => from, 'next' => nil } unless cron

  t = EtOrbi::EoTime.new(Time.iso8601(from).to_f, nil) # in the local zone, as rufus passes EoTime.now
  times = Array.new(COUNT) { t = cron.next_time(t) }
  { 'cron' => line, 'from' => from, 'next' => times.map { |x| iso(x) },
    'local' => times.map { |x| x.strftime('%Y-%m-%dT%H:%M:%S%:z') } }
end

crons = CRONS.map { |line, from| record(line, from) }
utc = ENV['TZ']
crons += LOCAL.map do |line, from, tz|
  ENV['TZ'] = tz
  record(line, from).merge('tz' => tz)
ensure
  ENV['TZ'] = utc
end

everys = EVERYS.map do |value|
  seconds = Rufus::Scheduler.parse_duration(value, no_error: true)
  seconds = nil if seconds && seconds <= 0
  { 'every' => value, 'seconds' => seconds }
end

puts JSON.pretty_generate(
  'recorded_with' => { 'rufus-scheduler' => Rufus::Scheduler::VERSION, 'fugit' => Fugit::VERSION,
                       'ruby' => RUBY_VERSION, 'TZ' => ENV['TZ'] },
  'count' => COUNT, 'crons' => crons, 'everys' => everys
)
