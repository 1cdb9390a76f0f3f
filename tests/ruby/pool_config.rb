# resque-pool 0.8.0's reading of its config file (ConfigLoaders::FileOrHashLoader, read from
# its source): YAML.load of the file, the environment's section merged over the root, every
# other mapping dropped. Prints the result as JSON.
#   ruby pool_config.rb <file> [environment]
require 'json'
require 'yaml'

config = YAML.load(File.read(ARGV[0])) || {}
environment = ARGV[1]
environment and config[environment] and config.merge!(config[environment])
config.delete_if { |_key, value| value.is_a? Hash }
puts JSON.generate(config.map { |queues, count| [queues.to_s, count] }.to_h)
