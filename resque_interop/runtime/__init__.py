"""Process plumbing shared by the worker, the scheduler and the CLI: proc titles, signal-safe
events, child-process supervision and log formatting. Knows nothing of Redis or the client."""
