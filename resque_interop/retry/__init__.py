"""resque-retry 1.8.1 in Python: the :class:`~.policy.Retry` policy, a retried job's steps
(:mod:`.lifecycle`) and the pending retries as the Retry tab shows them (:mod:`.pending`).

Sits between the scheduler and the client: the registry holds a job's ``Retry``, the job
runs its steps, the worker sends what a failure decided with the job's finish.
"""

from .policy import EXPONENTIAL_BACKOFF, Retry

__all__ = ["EXPONENTIAL_BACKOFF", "Retry"]
