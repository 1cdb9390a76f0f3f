# Records fugit's answers for generated cron lines, durations and first_at strings, for the
# differential test tests/test_fugit_differential.py. Seeded, so the same file comes out each time:
#   ruby tests/ruby/fugit_differential.rb > tests/ruby_fixtures/fugit_differential.json
#
# Cron lines: random fields in fugit's grammar (and a few things outside it), many zones
# (and none: the process's zone, TZ, varies per line), each evaluated from several start
# instants around 2027's DST changes; for each start, the next COUNT times chained as
# rufus-scheduler chains them (Fugit::Cron#next_time from a start in the process's zone,
# as rufus passes EoTime.now). A line fugit refuses is "nil"; one it raises on, "error".
require 'json'
require 'time'
require 'rufus-scheduler'

SEED = 2127
COUNT = 5
LINES = 1700
RNG = Random.new(SEED)

ZONES = [
  'UTC', 'Europe/Berlin', 'Europe/London', 'Europe/Helsinki', 'America/New_York', 'America/Chicago',
  'America/Los_Angeles', 'America/Sao_Paulo', 'America/Santiago', 'America/Havana', 'America/St_Johns',
  'Atlantic/Azores', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Tokyo', 'Asia/Tehran', 'Asia/Beirut',
  'Africa/Cairo', 'Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'Pacific/Auckland',
  'Pacific/Chatham', 'EST', 'EST5EDT', 'CET', 'Etc/GMT+5', '+05:30', '-03:00', '+0545', '-00:30',
  # refused by fugit or guessed by et-orbi
  '+12:00', 'Europe/Berlinx', 'EST-5', 'UTC+5', 'Nowhere/Zone', 'GMT+0'
].freeze
COMMON_ZONES = ZONES.first(31).freeze
# process zones: lines without a zone run in them, and et-orbi reads midnights in them (Beirut, Havana,
# Santiago and the Azores skip or repeat a midnight)
PROCESS_TZS = %w[UTC Europe/Berlin America/New_York Australia/Lord_Howe Asia/Kolkata Asia/Beirut America/Havana
                 America/Santiago Atlantic/Azores].freeze

# start instants: around the 2027 DST changes of the zones above, and a few ordinary ones
STARTS = %w[
  2027-01-15T00:00:00Z 2027-03-13T20:00:00Z 2027-03-14T06:30:00Z 2027-03-27T22:00:00Z
  2027-03-28T00:59:59Z 2027-04-03T10:00:00Z 2027-04-03T14:30:00Z 2027-06-30T23:59:59Z
  2027-09-04T12:00:00Z 2027-09-25T12:00:00Z 2027-10-02T14:00:00Z 2027-10-30T20:00:00Z
  2027-10-31T00:00:00Z 2027-10-31T00:45:30Z 2027-11-06T20:00:00Z 2027-11-07T05:30:00Z
].map { |s| Time.iso8601(s).to_f }.freeze

def pick(a) = a[RNG.rand(a.size)]
def chance(p) = RNG.rand < p

WEEKDAY_NAMES = %w[sun mon tue wed thu fri sat].freeze
MONTH_NAMES = %w[jan feb mar apr may jun jul aug sep oct nov dec].freeze

def number(kind)
  case kind
  when :sec, :min then chance(0.03) ? 60 : RNG.rand(60)
  when :hou then chance(0.08) ? 24 : (chance(0.02) ? 25 : RNG.rand(24))
  when :dom then chance(0.03) ? 32 : 1 + RNG.rand(31)
  when :mon then chance(0.3) ? pick(MONTH_NAMES) : 1 + RNG.rand(12)
  when :dow then chance(0.3) ? pick(WEEKDAY_NAMES) : RNG.rand(8)
  end
end

def element(kind)
  r = RNG.rand
  e =
    if r < 0.25 then number(kind).to_s
    elsif r < 0.40 then "#{number(kind)}-#{number(kind)}"
    elsif r < 0.47 then (n = number(kind); "#{n}-#{n}")
    elsif r < 0.62 then "*/#{chance(0.03) ? 0 : 1 + RNG.rand(12)}"
    elsif r < 0.70 then "#{number(kind)}/#{1 + RNG.rand(6)}"
    elsif r < 0.77 then "#{number(kind)}-#{number(kind)}/#{1 + RNG.rand(4)}"
    else '*'
    end
  if kind == :dom && chance(0.15)
    e = pick(['L', 'last', '-1', '-3', '-7--1', "#{1 + RNG.rand(28)}-L"])
  elsif kind == :dow && chance(0.3)
    e = "#{number(:dow)}#{pick(['#1', '#2', '#3', '#4', '#5', '#-1', '#-2', '#last', '#L', '%2', '%3+1', '%2+1'])}"
  end
  e
end

def field(kind)
  return '*' if chance(kind == :dow || kind == :dom || kind == :mon ? 0.45 : 0.2)
  Array.new(chance(0.2) ? 2 + RNG.rand(2) : 1) { element(kind) }.join(',')
end

def cron_line
  return pick(%w[@daily @hourly @weekly @monthly @yearly @noon @midnight @reboot]) if chance(0.02)
  fields = [field(:min), field(:hou), field(:dom), field(:mon), field(:dow)]
  fields[0] = pick(%w[0 5 15 30 45]) if chance(0.5) # mostly few runs per hour, so DST shows
  fields.unshift(chance(0.5) ? '0' : field(:sec)) if chance(0.25)
  line = fields.join(' ')
  r = RNG.rand
  if r < 0.65 then "#{line} #{chance(0.9) ? pick(COMMON_ZONES) : pick(ZONES)}"
  elsif r < 0.98 then line
  else "#{line} " # trailing space: refused
  end
end

def hand_picked
  [
    '0 0 2 * * *', '0 0 * * * *', '30 2 * * *', '0 0 1-7 * mon#1', '0 0 * * 2/2', '0 0 1 12-12 *',
    '0 0 */10 * sun-sat', '0 12 * * * EST', '0 12 * * * EST5EDT', '0 12 * * * +05:30', '0 0 last * *',
    '0 24 * * *', '0 9 * * mon%2', '0 9 * * fri#-2', '8 0 * * mon Australia/Lord_Howe', '0 0 * * * America/Havana',
    '0 0 * * * Atlantic/Azores', '30 0 * * * America/Santiago', '0 0 L * * Europe/Berlin', '0 2 * * * Europe/Berlin',
    '*/30 * * * * Europe/Berlin', '0 * * * * America/New_York', '15 1 * * * Europe/London'
  ]
end

def times_from(cron, start)
  t = EtOrbi::EoTime.new(start, nil) # the process's zone, as rufus's EoTime.now
  Array.new(COUNT) { t = cron.next_time(t); t.to_i }
rescue StandardError => e
  "error: #{e.class}"
end

def record_cron(line, tz)
  ENV['TZ'] = tz
  cron =
    begin
      Fugit::Cron.parse(line)
    rescue StandardError => e
      return [line, tz, "error: #{e.class}"]
    end
  return [line, tz, 'nil'] unless cron
  starts = STARTS.to_a.sample(4, random: RNG)
  [line, tz, starts.map { |s| [s, times_from(cron, s)] }]
end

lines = hand_picked.map { |l| [l, 'Europe/Berlin'] } + hand_picked.map { |l| [l, 'UTC'] }
lines += Array.new(LINES) { [cron_line, chance(0.6) ? 'UTC' : pick(PROCESS_TZS)] }
crons = lines.map { |line, tz| record_cron(line, tz) }
ENV['TZ'] = 'UTC'

def duration
  units = %w[y M w d h m s H D W S]
  words = ['hour', 'hours', 'minute', 'minutes', 'min', 'mins', 'sec', 'seconds', 'days', 'week', 'month', 'years']
  r = RNG.rand
  n = -> { pick([RNG.rand(100).to_s, "#{RNG.rand(10)}.#{RNG.rand(10)}", ".#{1 + RNG.rand(9)}", '0', '1.']) }
  if r < 0.45 then Array.new(1 + RNG.rand(3)) { "#{n.call}#{pick(units)}" }.join(pick(['', ' ', ', ', ' and ']))
  elsif r < 0.55 then "#{n.call}#{pick(units)}#{n.call}"
  elsif r < 0.65 then "#{n.call} #{pick(words)}"
  elsif r < 0.75 then "#{pick(['', '-', '+'])}#{n.call}#{pick(units)}#{pick(['-', '+', ' -'])}#{n.call}#{pick(units)}"
  elsif r < 0.85 then pick(%w[PT1H pt30m P1D P1W P1DT2H PT0.5S P1Y2M PT PT1.5M p1m P -PT1H])
  elsif r < 0.93 then n.call
  else pick(['soon', '', ' 30s ', '1h30', '5 ms', '1hour30', '1d-2h', '1m30', '1H', '.5s', '0.2s', '3x'])
  end
end

everys = Array.new(400) { duration }.uniq.map do |v|
  seconds = Rufus::Scheduler.parse_duration(v, no_error: true)
  accepted =
    begin
      EtOrbi::EoTime.now # every: rufus parses, then refuses <= 0 and shorter than its 0.3 s tick
      !seconds.nil? && seconds > 0 && seconds >= 0.3
    end
  [v, seconds, accepted]
end

FIRST_ATS = [
  '2027-03-28 01:30:00 Europe/Berlin', '2027-06-01 12:00:00 America/New_York', '2027-06-01 12:00:00',
  '2027-06-01T12:00:00+02:00', '2027-06-01 12:00:00 +05:30', '2027-06-01 12:00 Asia/Tokyo', '2027-06-01 12:00:00 UTC'
].freeze
first_ats = FIRST_ATS.map { |s| [s, EtOrbi.make_time(s).to_f] }

puts JSON.generate(
  'recorded_with' => { 'rufus-scheduler' => Rufus::Scheduler::VERSION, 'fugit' => Fugit::VERSION,
                       'et-orbi' => EtOrbi::VERSION, 'ruby' => RUBY_VERSION, 'seed' => SEED, 'TZ' => 'UTC' },
  'count' => COUNT, 'crons' => crons, 'everys' => everys, 'first_ats' => first_ats
)
