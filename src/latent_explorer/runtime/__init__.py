"""Jobs and where they run: the in-process backend or Celery workers on Redis."""
