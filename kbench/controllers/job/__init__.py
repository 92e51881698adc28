"""The Job controller (pkg/controller/job) and the Job API's create-time defaults. One module per
part of Kubernetes' code:

* :mod:`.controller`: handlers and syncJob (job_controller.go), and the ``completions`` records;
* :mod:`.tracking`: counting finished pods with the tracking finalizer;
* :mod:`.backoff`: the pod-failure backoff (backoff_utils.go);
* :mod:`.indexed`: completion indexes and interval sets (indexed_job_utils.go);
* :mod:`.pods`: building, creating and deleting a Job's pods;
* :mod:`.status`: conditions and the working status;
* :mod:`.queue`: the controller's rate-limited queue;
* :mod:`.strategy`: :class:`JobDefaults`, the admission plugin doing what the Job API strategy does
  on create (generated selector and labels).
"""

from kbench.controllers.job.controller import JobController
from kbench.controllers.job.strategy import JobDefaults

__all__ = ["JobController", "JobDefaults"]
