"""resque-scheduler 5.0 in Python: delayed jobs (``enqueue_at``), schedules and their time syntax,
recurring jobs, and the scheduler process with its master lock.

Sits below the client (the client exposes :class:`.delayed.DelayedQueue` and
:class:`.schedules.Schedules`), so it types against :class:`.protocols.SchedulerClient`.
"""
