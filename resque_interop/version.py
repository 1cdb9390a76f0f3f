"""The package version (also the one in the worker process title)."""

__version__ = "0.1.0"
