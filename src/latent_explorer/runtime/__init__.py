"""Runtime: jobs (train | measure) as rows, limits, and the backends that run them.

The web process only creates job rows and hands their ids to a :class:`~.backend.Backend`;
whatever runs a job (a local worker process, a Celery worker) calls
:func:`~.execute.run_job`, which claims the row, does the work through the core and the
store, and publishes events to an :class:`~.events.EventLog`.
"""
