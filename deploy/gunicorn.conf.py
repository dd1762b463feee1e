"""gunicorn configuration for one application host (see docs/deployment.md).

    CBCCVC_PRODUCTION=1 gunicorn -c deploy/gunicorn.conf.py cbccvc.wsgi

Several hosts run the same configuration behind the proxy; sessions live in the database and
the cache in Redis, so any host can answer any request.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# sync workers: the app is database-bound; 2 per core + 1 is gunicorn's rule of thumb
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then (bounded memory growth), not all at the same request
max_requests = 2000
max_requests_jitter = 200
# the proxy sets X-Forwarded-For/Proto; trust it only from the proxies' addresses
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","request":"%(r)s","status":%(s)s,'
    '"bytes":%(B)s,"ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)
preload_app = False
