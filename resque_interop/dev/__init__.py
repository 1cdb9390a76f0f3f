"""Development helpers: a private redis-server for tests and benchmarks, and the demo."""
