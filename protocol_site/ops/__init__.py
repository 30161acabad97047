"""Production operations: health checks, the beat heartbeat, metrics and the gunicorn config.

The deadline sweep (`clocks.tasks.sweep_deadlines`) calls `record_beat_heartbeat()` each time it
runs, so `/readyz` can tell an administrator that beat, the broker and a worker are all alive.
"""

from .heartbeat import last_beat_heartbeat, record_beat_heartbeat

__all__ = ["last_beat_heartbeat", "record_beat_heartbeat"]
