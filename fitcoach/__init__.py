"""fitcoach: a local-first voice fitness coach."""

__version__ = "0.1.0"
