"""Settings for the two-worker queue test: the project's settings, the Redis broker, a
cluster name of its own (so parallel runs never share a queue), no scheduler, no stored
results (the workers need no database)."""

import os

from cbccvc.settings import *  # noqa: F403
from cbccvc.settings import Q_CLUSTER

Q_CLUSTER = {
    **{k: v for k, v in Q_CLUSTER.items() if k != "orm"},
    "name": os.environ["CBCCVC_Q_NAME"],
    "redis": os.environ["CBCCVC_REDIS_URL"],
    "workers": 1,
    "scheduler": False,
    "save_limit": -1,
    "poll": 0.1,
}
