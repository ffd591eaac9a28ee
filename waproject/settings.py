"""One settings module for both ways to run, driven by the environment.

Embedded default (nothing set): SQLite in WAL mode, the in-memory channel layer, Celery
tasks executed in-process by ``waproject.embedded`` and the beat schedule driven by a
thread of the server process, the WhatsApp sandbox standing in for Meta.

Scaled (``DATABASE_URL`` and ``REDIS_URL`` set): PostgreSQL, channels_redis, a Celery
worker pool and one beat on Redis, any number of ASGI server processes.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import schedule

from waproject.storage import media_storage
from whatsapp.limits import GRAPH_API_VERSION

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
#: True when running without PostgreSQL/Redis: everything inside one process.
EMBEDDED = not (DATABASE_URL and REDIS_URL)

# The demo key is only good for the embedded default on a developer's machine.
# The demo default is public: `manage.py check --deploy` warns when it runs scaled (W001).
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-demo-key-change-me-in-production-3f1c9a7e")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # U4: ordinals ("2nd", "2.", "2º") in the reader's language
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not from a CDN
    "axes",  # login lockout after repeated failures (per user and per address)
    "csp",  # Content-Security-Policy (waproject/security.py)
    "channels",
    "conversations",
    "sandbox",
    "console",
    "templates_app",
    "workbins",
    # Issue 11 (operations): readiness, metrics, logs, secrets at rest (ops); the audit log
    # (audit); retention, erasure and export of a contact's data (privacy).
    "ops",
    "audit",
    "privacy",
    # Issue 15 (orchestration): event webhooks for integrators (B5), external bots (B4).
    "integrations",
    # Issue 15: waiting notices and abandonment (B2), the survey after Done (B3).
    "surveys",
    # Issue 15: entry flows per number (B1): greeting, hours, triage menu, questions.
    "flows",
    # Issue 12: reports from facts recorded as they happen (S3); interaction search (O6).
    "reports",
]

MIDDLEWARE = [
    # First: the request id (and, once known, user and address) for logs and the audit log.
    "ops.logs.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with caching headers, before anything that reads sessions or users.
    "waproject.staticfiles.StaticFilesMiddleware",
    "waproject.security.ContentSecurityPolicyMiddleware",
    "waproject.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # U4: the language of each request (the user's profile, else the browser's).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # U4: a signed-in user's profile language wins over the browser's (LocaleMiddleware's).
    "conversations.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # X5: a supervisor opening another agent's interaction is recorded (once per session).
    "audit.middleware.InteractionReadAuditMiddleware",
    # Last: turns a refused login (locked out) into the lockout answer.
    "axes.middleware.AxesMiddleware",
    # A database that cannot be reached answers 503 + Retry-After, not 500.
    "waproject.availability.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "waproject.urls"
ASGI_APPLICATION = "waproject.asgi.application"
WSGI_APPLICATION = "waproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI every request runs its sync code in a fresh thread, so per-thread
        # persistent connections would reconnect each time: a pool hands them over.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # A pooled connection is checked before use (Django passes the pool its check):
        # after a PostgreSQL restart every pooled connection is dead, and each one failed a
        # request (the faults drill).
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "20")),
            # How long a request waits for a connection (all busy, or the database
            # unreachable) before it fails: 503 (waproject/availability.py).
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets the console read while the webhook writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of deadlocking.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # Connections are cheap to keep and costly to open (~0.6 ms with the pragmas):
            # worker threads (webhook pool, embedded tasks) keep theirs.
            "CONN_MAX_AGE": None,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer, cache, Celery ---------------------------------------------------
if REDIS_URL:
    from redis.asyncio.retry import Retry as _AsyncRedisRetry
    from redis.backoff import ExponentialWithJitterBackoff

    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get("CHANNEL_LAYER_BACKEND", "waproject.channel_layer.RedisChannelLayer"),
            "CONFIG": {
                # redis-py 8 gives every connection a 5 s socket timeout, the same as
                # channels_redis's blocking read: an idle console socket then died every
                # 5 s (redis/redis-py#4091). A longer timeout still detects a dead Redis.
                #
                # A pool built from a URL gets redis-py's "no retries": after a Redis
                # restart each pooled connection failed its first command ("Connection
                # lost"), and a socket's group_add with it (HTTP 500 to the browser). Now
                # a failed command is retried on a fresh connection with backoff, and a
                # connection idle for a while is checked with a PING before use.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "socket_keepalive": True,
                        "retry": _AsyncRedisRetry(
                            ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=4
                        ),
                        "health_check_interval": 15,
                    }
                ],
                # Sockets resync from the database; a day-long group membership only
                # wastes Redis memory after a browser vanished.
                "group_expiry": 3600,
                "capacity": 1000,
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True  # every task is idempotent (DESIGN invariant 5)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task taken by a worker that died comes back after this long. It must exceed the longest
# countdown we schedule (backoffs are capped at 5 minutes), else a waiting task is handed
# out twice (harmless: tasks are idempotent, but wasteful); an hour made a crashed worker's
# scheduled tasks (the sandbox's status webhooks, a retry) wait an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
#: How ``waproject.embedded.enqueue`` runs tasks: "broker" (a Celery worker, scaled),
#: "thread" (an in-process pool, the embedded default), "inline" (at once, in the
#: caller's thread: the unit tests).
TASK_EXECUTION = os.environ.get("TASK_EXECUTION", "thread" if EMBEDDED else "broker")
#: Run the beat schedule inside the ASGI server process (embedded default only).
EMBEDDED_BEAT = env_bool("EMBEDDED_BEAT", EMBEDDED)
if REDIS_URL:
    # Exactly one beat fires: a second one started by mistake stands by (waproject/beat.py).
    CELERY_BEAT_SCHEDULER = "waproject.beat:LeaderScheduler"
#: Seconds a dead beat's leader lock outlives it (the longest pause of every timer when the
#: leading beat dies without stopping; a normal stop hands over at once).
BEAT_LEADER_TTL = float(os.environ.get("BEAT_LEADER_TTL", "10"))
BEAT_LEADER_KEY = os.environ.get("BEAT_LEADER_KEY", "waproject:beat:leader")

# Every periodic job is a short sweep over an indexed ``..._due_at`` column
# (DESIGN invariant 4), so a tick costs what is due, not what is open.
CELERY_BEAT_SCHEDULE = {
    # Re-process stored webhook events whose processing failed, with backoff.
    "webhook-retry-sweep": {
        "task": "conversations.tasks.webhook_retry_sweep_task",
        "schedule": schedule(run_every=5.0),
    },
    # Offers nobody answered within the accept timeout are redirected; waiting
    # interactions are offered to agents who became available.
    "routing-sweep": {
        "task": "conversations.tasks.routing_sweep_task",
        "schedule": schedule(run_every=1.0),
    },
    # Heal drift in the agents' load counters (a crashed worker, a manual DB edit).
    "agent-load-reconcile": {
        "task": "conversations.tasks.agent_load_reconcile_task",
        "schedule": schedule(run_every=60.0),
    },
    # 24-hour windows that closed and reply windows that ended: the consoles are told.
    "interaction-timers": {
        "task": "conversations.tasks.interaction_timers_task",
        "schedule": schedule(run_every=5.0),
    },
    # Outbound sends whose retry is due, and sends abandoned by a crashed worker.
    "outbound-sweep": {
        "task": "conversations.tasks.outbound_sweep_task",
        "schedule": schedule(run_every=2.0),
    },
    # S3: the customer messages the webhooks stored, counted in the reports' tallies.
    "reports-inbound-tally": {
        "task": "reports.tasks.inbound_tally_task",
        "schedule": schedule(run_every=2.0),
    },
    # Inbound media downloads whose retry is due (or whose worker died).
    "attachment-download-sweep": {
        "task": "conversations.tasks.attachment_download_sweep_task",
        "schedule": schedule(run_every=10.0),
    },
    # X2: the beat's heartbeat (a row the readiness check reads): proves beat, broker and
    # a worker run.
    "beat-heartbeat": {
        "task": "ops.tasks.beat_heartbeat_task",
        "schedule": schedule(run_every=15.0),
    },
    # G1: pull the templates of each WABA whose pull is due (WHATSAPP_TEMPLATE_PULL_SECONDS):
    # status, quality, new and deleted ones; heals webhooks that never arrived.
    "template-pull": {
        "task": "templates_app.tasks.templates_pull_task",
        "schedule": schedule(run_every=60.0),
    },
    # X4: raw webhook bodies and media files past their retention, in bounded batches.
    "retention-purge": {
        "task": "privacy.tasks.retention_purge_task",
        "schedule": schedule(run_every=60.0),
    },
    # B5: integrators' webhook deliveries whose retry is due (or whose enqueue was lost).
    "webhook-deliveries-sweep": {
        "task": "integrations.tasks.deliveries_sweep_task",
        "schedule": schedule(run_every=2.0),
    },
    # B2, B3: waiting notices and abandonment of waiting interactions; past comment timers.
    "surveys-sweep": {
        "task": "surveys.tasks.surveys_sweep_task",
        "schedule": schedule(run_every=5.0),
    },
    # B4: interactions whose external bot stayed silent past its timeout go to routing.
    "bot-timeouts-sweep": {
        "task": "integrations.tasks.bot_timeouts_sweep_task",
        "schedule": schedule(run_every=2.0),
    },
    # B1: entry flow steps left unanswered past their timeout go to the timeout queue.
    "flow-timeouts-sweep": {
        "task": "flows.tasks.flow_timeouts_sweep_task",
        "schedule": schedule(run_every=2.0),
    },
}

# --- Integrators' webhooks (B5) ----------------------------------------------------------
#: Deliveries to loopback, private and link-local addresses are refused unless this is set
#: (a receiver on the same host or network, in development or tests).
INTEGRATIONS_ALLOW_PRIVATE_URLS = env_bool("INTEGRATIONS_ALLOW_PRIVATE_URLS", False)
#: Seconds an event is retried (exponential backoff, 10 s doubling up to an hour) before
#: it is marked failed.
INTEGRATIONS_RETRY_FOR = float(os.environ.get("INTEGRATIONS_RETRY_FOR", str(24 * 3600)))
#: A receiver gets this long to accept the connection, and to answer.
#: Days the delivery log keeps delivered and failed events (with the customers' messages).
INTEGRATIONS_LOG_DAYS = int(os.environ.get("INTEGRATIONS_LOG_DAYS", "30"))
INTEGRATIONS_CONNECT_TIMEOUT = float(os.environ.get("INTEGRATIONS_CONNECT_TIMEOUT", "3"))
INTEGRATIONS_READ_TIMEOUT = float(os.environ.get("INTEGRATIONS_READ_TIMEOUT", "5"))

# --- Auth, i18n, static ------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failed sign-ins for one username,
# or from one address, signing in is refused (429, saying for how long) until
# LOGIN_LOCKOUT_MINUTES have passed since the last failure; a success resets the count.
# Attempts are rows in the database (SQLite or PostgreSQL, shared by every server
# process); the client address is REMOTE_ADDR (behind a proxy, let the ASGI server set
# it from X-Forwarded-For: uvicorn --proxy-headers --forwarded-allow-ips=<proxy>).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "waproject.auth.lockout_response"
AXES_VERBOSE = False  # lockouts are still logged (axes.handlers), not the startup banner

LANGUAGE_CODE = "en"
#: U4: the languages the console, the sandbox phone and our admin pages are translated to
#: (each app's ``locale/`` folder; the console's JavaScript reads its catalogue).
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)"), ("de", "Deutsch")]
#: The project templates' and waproject's own messages (base.html, the sign-in page); the
#: apps' are in their ``locale/`` folders.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
#: How static files are served (by the application, WhiteNoise: waproject/staticfiles.py):
#: "manifest" (scaled default) from ``collectstatic``'s output under STATIC_ROOT, hashed
#: names cached for a year, gzip; "finders" (embedded default) straight from the apps'
#: static folders, no collectstatic step.
STATIC_FILES = os.environ.get("STATIC_FILES", "finders" if EMBEDDED else "manifest")
WHITENOISE_USE_FINDERS = STATIC_FILES != "manifest"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
#: Where files live: MEDIA_STORAGE "local" (MEDIA_ROOT, one host) or "s3" (a bucket every
#: host shares, AWS_* variables): waproject/storage.py.
STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": "waproject.staticfiles.ManifestStorage"
        if STATIC_FILES == "manifest"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Webhook bodies may be up to 3 MB (Cloud API limit); the webhook view enforces
# exactly that and answers 413 above it. Other requests keep Django's default.
WEBHOOK_MAX_BODY_BYTES = 3 * 1024 * 1024
#: No request may be larger than this (WhatsApp's largest file, 100 MB, plus form overhead).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(101 * 1024 * 1024)))
#: Freeze each server's and worker's start-up heap out of the full garbage collections
#: (``waproject.heap``: a 120-ms stall each otherwise).
GC_FREEZE = os.environ.get("GC_FREEZE", "1") != "0"
#: Threads (each keeping its database connection) that process webhooks in each server.
#: Each holds its webhook through the commit's wait for the WAL flush, so on PostgreSQL
#: 4 threads a process capped a status storm at ~600 webhooks/s on 2 cores with CPU to
#: spare, 12 took ~850/s (docs/benchmarks.md, status storms). SQLite has one writer:
#: more threads there only queue for its lock.
WEBHOOK_INGEST_THREADS = int(os.environ.get("WEBHOOK_INGEST_THREADS", "12" if DATABASE_URL else "4"))
#: The webhook journal (``conversations.webhooks.journal``): the server answers 200 once a
#: POST's raw body is committed (in a group commit with the POSTs that arrived meanwhile)
#: and processes it behind; without it, once it is processed. Off by default
#: (docs/operations.md "The webhook journal", docs/benchmarks.md).
WEBHOOK_JOURNAL = os.environ.get("WEBHOOK_JOURNAL", "0") == "1"
#: Journal processors per server (threads, each with its connection; a customer's events
#: always go to the same one, so they stay in order). SQLite has one writer: one there.
WEBHOOK_JOURNAL_PROCESSORS = int(os.environ.get("WEBHOOK_JOURNAL_PROCESSORS", "4" if DATABASE_URL else "1"))
#: While webhooks wait for their commit (in the drainer: while crowded group commits come),
#: a journal processor pauses this many seconds per second it processed: 1.0 leaves the
#: acknowledgements at least half of the process.
WEBHOOK_JOURNAL_YIELD = float(os.environ.get("WEBHOOK_JOURNAL_YIELD", "1.0"))
#: Where the journal's events are processed: ``server`` (each web process processes what it
#: stored) or ``drainer`` (the web processes only store and acknowledge; the
#: ``drain_webhooks`` process, one active per deployment, processes every stored event:
#: PostgreSQL only; conversations.webhooks.drainer).
WEBHOOK_JOURNAL_PROCESSING = os.environ.get("WEBHOOK_JOURNAL_PROCESSING", "server")
#: S1: the supervisors' board is pushed at most once every this many seconds per process,
#: however many changes arrive (``conversations.events.board_changed``).
BOARD_PUSH_INTERVAL: float | None = float(os.environ.get("BOARD_PUSH_INTERVAL", "1.0"))
#: Consecutive pushes to one group in one commit travel as one ``broadcast.batch`` (half
#: the Redis round trips of a customer message). Turn it off ("0") while a rolling upgrade
#: from a version without batches runs: its processes cannot read one (docs/operations.md).
BROADCAST_BATCHING = os.environ.get("BROADCAST_BATCHING", "1") != "0"
DATA_UPLOAD_MAX_MEMORY_SIZE = WEBHOOK_MAX_BODY_BYTES + 1024

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "conversations.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "conversations.api.pagination.IdCursorPagination",
    "EXCEPTION_HANDLER": "conversations.api.errors.exception_handler",
    # API tokens (integrators) are throttled per user: API_TOKEN_THROTTLE_RATE below.
    "DEFAULT_THROTTLE_CLASSES": ["conversations.api.throttling.TokenRateThrottle"],
    # Bodies holding lone surrogates, NUL or non-finite numbers are refused (400, with the
    # path), and answers never fail to encode: conversations/api/parsers.py, renderers.py.
    "DEFAULT_PARSER_CLASSES": [
        "conversations.api.parsers.JSONParser",
        "conversations.api.parsers.FormParser",
        "conversations.api.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "conversations.api.renderers.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 50,
}
#: Requests one API token may make ("<n>/second|minute|hour|day"; empty: unlimited). The
#: console (session cookie) is not throttled: its agents signed in through the lockout.
API_TOKEN_THROTTLE_RATE = os.environ.get("API_TOKEN_THROTTLE_RATE", "600/minute") or None
SPECTACULAR_SETTINGS = {
    "TITLE": "WhatsApp agent workspace API",
    "DESCRIPTION": "Contacts, interactions, messages, templates, workbins and agents' state.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The API's <id:pk> paths (conversations/api/inputs.py IdConverter) are bounded integers.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # OpenAPI 3.1: full JSON Schema (e.g. "no NUL in any key" of a free-form object).
    "OAS_VERSION": "3.1.0",
    # The error answers every operation can give, in the error envelope: conversations/api/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conversations.api.schema.declare_errors",
    ],
}

# --- WhatsApp Cloud API ------------------------------------------------------------
#: The sandbox (a local stand-in for Meta) is on by default in the embedded mode only.
WHATSAPP_SANDBOX_ENABLED = env_bool("WHATSAPP_SANDBOX_ENABLED", EMBEDDED)
#: G5: the Graph API version (one setting): by default the newest the client and the
#: sandbox implement (whatsapp.limits.GRAPH_API_VERSIONS).
WHATSAPP_API_VERSION = os.environ.get("WHATSAPP_API_VERSION", GRAPH_API_VERSION)
#: Where this service's webhook is reachable (the sandbox posts statuses there).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
#: With the sandbox, the Graph API is this service itself: derived from PUBLIC_BASE_URL,
#: so ``make run PORT=9000`` talks to port 9000 without setting anything else.
WHATSAPP_GRAPH_BASE_URL = os.environ.get(
    "WHATSAPP_GRAPH_BASE_URL",
    f"{PUBLIC_BASE_URL.rstrip('/')}/sandbox/graph"
    if WHATSAPP_SANDBOX_ENABLED
    else "https://graph.facebook.com",
)
# Demo credentials of the channel that ``seed_demo`` creates; a real deployment sets
# these (or edits the channel in the admin).
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "100000000000001")
WHATSAPP_DISPLAY_PHONE_NUMBER = os.environ.get("WHATSAPP_DISPLAY_PHONE_NUMBER", "15550001234")
WHATSAPP_WABA_ID = os.environ.get("WHATSAPP_WABA_ID", "200000000000001")
WHATSAPP_ACCESS_TOKEN = os.environ.get("WHATSAPP_ACCESS_TOKEN", "sandbox-access-token")
WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET", "sandbox-app-secret")
WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN", "sandbox-verify-token")
#: Sandbox timing: seconds after a send until "sent" and "delivered" are posted, and
#: (when set) until "read" is posted without the phone page showing the message.
WHATSAPP_SANDBOX_STATUS_DELAYS = tuple(
    float(x) for x in os.environ.get("WHATSAPP_SANDBOX_STATUS_DELAYS", "0.2,0.5").split(",")
)
WHATSAPP_SANDBOX_AUTO_READ_SECONDS = (
    float(os.environ["WHATSAPP_SANDBOX_AUTO_READ_SECONDS"])
    if os.environ.get("WHATSAPP_SANDBOX_AUTO_READ_SECONDS")
    else None
)
#: G1: seconds a template submitted to the sandbox stays PENDING before its review
#: (APPROVED, or REJECTED with a reason) and that status's webhook.
WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS = float(
    os.environ.get("WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS", "3")
)
#: G1: seconds between two pulls of every WABA's templates (heals missed webhooks; 0: never).
WHATSAPP_TEMPLATE_PULL_SECONDS = float(os.environ.get("WHATSAPP_TEMPLATE_PULL_SECONDS", "3600"))
#: Fetch inbound media as soon as the webhook is stored (tests turn it off to stay offline).
WHATSAPP_MEDIA_AUTO_DOWNLOAD = env_bool("WHATSAPP_MEDIA_AUTO_DOWNLOAD", True)
# --- Operations (issue 11): logs, readiness, metrics, secrets, retention ---------------
#: "json": one JSON object per line (for a log shipper), with the request / interaction /
#: webhook / task ids of the context; "plain" (default): human-readable lines, same ids.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
_LOG_HANDLER = {
    "class": "logging.StreamHandler",
    "formatter": "json" if LOG_FORMAT == "json" else "plain",
    "filters": ["context"],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {"console": _LOG_HANDLER},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per beat tick is noise; failures are still logged.
        "celery.app.trace": {"level": "WARNING"},
        # uvicorn's own lines in the same format (it configured them before Django).
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "propagate": False},
        "uvicorn.error": {"handlers": [], "propagate": True},
    },
}
#: Celery keeps the root logger configured here (JSON lines stay JSON in the worker).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

#: X3: Fernet keys (comma-separated) encrypting channel secrets at rest; the first
#: encrypts, all decrypt. The default is the public demo key (check --deploy warns).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "ZGVtby1rZXktb2YtdGhlLWVtYmVkZGVkLWRlZmF1bHQ=")

#: X2 readiness (/readyz/): 503 when the beat's heartbeat is older than this (seconds),
#: when this many webhook events await a retry or gave up, or when the oldest of them is
#: older than this (seconds). 0 turns a threshold off.
READINESS_BEAT_MAX_AGE = float(os.environ.get("READINESS_BEAT_MAX_AGE", "90"))
READINESS_WEBHOOK_BACKLOG_MAX = int(os.environ.get("READINESS_WEBHOOK_BACKLOG_MAX", "100"))
READINESS_WEBHOOK_BACKLOG_AGE_MAX = float(os.environ.get("READINESS_WEBHOOK_BACKLOG_AGE_MAX", "3600"))
#: Seconds each dependency check (Redis, broker) may take before it counts as down.
READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "2"))
#: X2 metrics (/metrics/): a scraper sends ``Authorization: Bearer <METRICS_TOKEN>``;
#: staff users may open it signed in. Empty: staff sessions only.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

#: X4 retention, in days (0: kept forever): raw bodies of processed webhook events (only
#: needed to replay them), and media files (received and sent). The rows stay; what
#: remains of a message says its file was deleted.
RETENTION_WEBHOOK_BODY_DAYS = float(os.environ.get("RETENTION_WEBHOOK_BODY_DAYS") or 30)
RETENTION_MEDIA_DAYS = float(os.environ.get("RETENTION_MEDIA_DAYS") or 365)
#: Rows one purge run handles per kind (the rest waits for the next minute's run).
RETENTION_BATCH = int(os.environ.get("RETENTION_BATCH", "500"))

# --- Behind a TLS proxy; security headers (docs/operations.md "TLS proxy") -----------
#: Reached over HTTPS (TLS ends at the proxy): secure cookies, HSTS, plain HTTP redirected.
#: On by default when PUBLIC_BASE_URL is an https:// address.
HTTPS = env_bool("HTTPS", PUBLIC_BASE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
#: Probes of the load balancer may speak plain HTTP to the application.
SECURE_REDIRECT_EXEMPT = [r"^healthz/", r"^readyz/"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
#: The header the proxy sets to the scheme the browser used, e.g. "X-Forwarded-Proto".
#: Only when the application cannot be reached but through the proxy: anyone reaching it
#: directly could claim HTTPS. uvicorn's --proxy-headers (on) with FORWARDED_ALLOW_IPS
#: (the proxy's address) does the same and checks who says it; prefer that.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = os.environ.get(
    "PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "browsing-topics=()",
)
# Content-Security-Policy (django-csp): no inline script or style anywhere. Images may come
# from any web address: the console shows static maps from the provider the options name.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", "http:", "https:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
