"""The annotations through which a workload tells kbench what a manifest cannot: when an object
arrives, how long a pod runs, how likely it is to fail."""

ARRIVAL_ANNOTATION = "kbench.io/arrival-seconds"
"""Simulated seconds after the start at which the object is created (default 0)."""
DURATION_ANNOTATION = "kbench.io/duration-seconds"
"""Seconds a pod runs once started, then succeeds (or fails); without it, it runs until the end."""
FAILURE_ANNOTATION = "kbench.io/failure-probability"
"""Probability in [0, 1] that a pod with a duration ends Failed instead of Succeeded."""
