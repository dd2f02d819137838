"""Tradepost settings: one module, read from the environment through typed helpers.

Every variable is listed in the README's configuration table. Unset variables fall
back to embedded defaults so `make demo` runs on a machine with nothing but Python:
an embedded PostgreSQL (pgserver) when DATABASE_URL is unset; `tradepost demo` finds or
starts a Redis and sets REDIS_URL. Without one, tasks run in a background thread of the
process that queued them (a last resort, see TASKS_IN_PROCESS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from tradepost.env import env_bool, env_int, env_list, env_str

PLATFORM_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PLATFORM_DIR.parent
# Embedded PostgreSQL's data, collected static files, uploads, beat's schedule.
VAR_DIR = Path(env_str("TRADEPOST_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY") or (
    "dev-only-insecure-key-set-SECRET_KEY-in-production"
    if DEBUG or env_bool("TRADEPOST_DEV")
    else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY must be set (or DEBUG=1 / TRADEPOST_DEV=1 for development)"
    )

# --- Domains -------------------------------------------------------------------------
# The public site answers on TRADEPOST_BASE_DOMAIN; each workspace on <slug>.<base>.
# PUBLIC_URL carries the scheme and port used to build links to workspaces.
PUBLIC_URL = env_str("PUBLIC_URL", "http://localhost:8000").rstrip("/")
TRADEPOST_BASE_DOMAIN = env_str(
    "TRADEPOST_BASE_DOMAIN", urlsplit(PUBLIC_URL).hostname or "localhost"
)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [TRADEPOST_BASE_DOMAIN, f".{TRADEPOST_BASE_DOMAIN}", "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications --------------------------------------------------------------------
# Public schema: the tenant registry, billing and the operators' admin. Operators are
# users of the public schema; workspace users live in their tenant's schema.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "tradepost.accounts",
]
# Each tenant schema: auth and sessions too, so a login never crosses tenants.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "axes",
    "tradepost.accounts",
    "tradepost.audit",
    "tradepost.workspace",
    "api",
    "api.webhooks",
    "tradepost.masterdata",
    "tradepost.customers",
    "tradepost.pricing",
    "tradepost.pipeline",
    "tradepost.channel",
    "tradepost.sales",
    "tradepost.inventory",
    "tradepost.settlement",
    "tradepost.search",
    "tradepost.plans",
    "tradepost.reports",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New workspaces are cloned from this schema, never migrated one by one.
TENANT_BASE_SCHEMA = "tp_template"
TENANT_POOL_SIZE = env_int("TENANT_POOL_SIZE", 3)
PUBLIC_SCHEMA_URLCONF = "tradepost.urls_public"
ROOT_URLCONF = "tradepost.urls_tenant"

MIDDLEWARE = [
    "tradepost.health.HealthCheckMiddleware",
    # django-tenants' routing, loading the workspace's subscription in the same query
    "billing.middleware.TenantWithSubscriptionMiddleware",
    "tradepost.observability.TenantContextMiddleware",
    "tradepost.request_memo.RequestMemoMiddleware",  # the caller's roles and scope, once
    "tradepost.uploads.UploadLimitMiddleware",  # 413 before a big body is read
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "billing.middleware.WorkspaceGateMiddleware",  # lapsed subscription: read-only
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tradepost.workspace.context_processors.workspace",
            ],
        },
    }
]

WSGI_APPLICATION = "tradepost.wsgi.application"
ASGI_APPLICATION = "tradepost.asgi.application"

# --- Database ------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from tradepost.devservices import embedded_postgres_url

    DATABASE_URL = embedded_postgres_url()
# Connections are kept for a minute (checked before reuse): opening one per request
# costs more than a third of a small API request's time (bench/orders.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
# django-tenants' backend, made safe on pooled connections (tradepost.postgresql_backend).
DATABASES["default"]["ENGINE"] = "tradepost.postgresql_backend"
# A connection that has served more workspace schemas than this is closed at the next
# request or task boundary: PostgreSQL keeps catalogue entries per schema touched for
# the life of a connection (0: never). A key of ours, read by tradepost.postgresql_backend
# (dj-database-url's type does not know it).
DATABASES["default"]["CONN_MAX_SCHEMAS"] = env_int("DB_CONN_MAX_SCHEMAS", 100)  # type: ignore[typeddict-unknown-key]
# Opt-in: Django's psycopg pool, one per process (see infra/README.md, Connections).
# Connections go back to it at the end of each request instead of staying with one
# thread; DB_CONN_MAX_AGE does not apply (Django requires 0 with a pool).
if env_bool("DATABASE_POOL"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 1),
        "max_size": env_int("DATABASE_POOL_MAX", 4),
        "max_lifetime": env_int("DATABASE_POOL_MAX_LIFETIME", 1800),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_tradepost")}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set search_path once per tenant switch, not before every query.
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Redis, Celery ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Every cache key carries the tenant's schema.
_cache_keys = {
    "KEY_FUNCTION": "django_tenants.cache.make_key",
    "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tradepost"),
            **_cache_keys,
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", **_cache_keys}
    }

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis there is no worker: a last resort (`tradepost demo` always has a Redis).
# Tasks then run in a background thread of the process that queued them, after commit
# (tradepost.background), never on a request's path; the web process says so loudly.
TASKS_IN_PROCESS = not REDIS_URL
CELERY_TASK_ALWAYS_EAGER = TASKS_IN_PROCESS
CELERY_TASK_EAGER_PROPAGATES = True
# The queue workers take tasks from: installations sharing one Redis keep apart with
# their own (`tradepost demo` on the machine's Redis picks one per database).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "tradepost.beat:ActiveTenantScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# `tenant_schemas`: ["public"] runs once on the public schema; without it the
# entry runs once in every active workspace (see tradepost.celery).
CELERY_BEAT_SCHEDULE = {
    "refill-schema-pool": {
        "task": "tenants.tasks.refill_schema_pool",
        "schedule": 60.0,
        "tenant_schemas": ["public"],
    },
    "expire-invitations": {
        "task": "tradepost.accounts.tasks.expire_invitations",
        "schedule": 3600.0,
    },
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": 3600.0,
    },
    "webhooks-requeue-stalled": {
        "task": "api.webhooks.tasks.requeue_stalled_deliveries",
        "schedule": 300.0,
    },
    "settlement-payment-reminders": {
        "task": "tradepost.settlement.tasks.payment_reminders",
        "schedule": 86400.0,
    },
    # Rebates (返利) of the periods that ended with last month, in every workspace.
    "settlement-rebates-compute": {
        "task": "tradepost.settlement.tasks.rebates_compute_due",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    # The monthly stock report (进销存月报) of last month rebuilt from the ledger and closed.
    "reports-stock-monthly-close": {
        "task": "tradepost.reports.tasks.stock_monthly_close",
        "schedule": crontab(minute=15, hour=0, day_of_month=1),
    },
    "billing-expire-trials": {
        "task": "billing.tasks.expire_trials",
        "schedule": 3600.0,
        "tenant_schemas": ["public"],
    },
}

# --- Auth ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("FAST_PASSWORD_HASHER"):
    # Test runs only: the real hashers cost ~0.3 s per call by design.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling (django-axes): a username+IP pair is locked after this many
# failures for AXES_COOLOFF_MINUTES; the lock is per workspace (axes lives in each schema).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (it holds the e-mail)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Sign-up and login abuse limits (client address, sign-up and login limits) ------
# How many proxies of ours stand in front of the app (load balancer, ingress): the
# client address is the one they vouch for (tradepost.clientip.client_ip). 0 trusts
# no X-Forwarded-For at all and uses the connecting address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "tradepost.clientip.client_ip"
# Sign-up attempts per client address, form and API together (tenants.services).
SIGNUP_RATE_PER_HOUR = env_int("SIGNUP_RATE_PER_HOUR", 10)
SIGNUP_RATE_PER_DAY = env_int("SIGNUP_RATE_PER_DAY", 30)
# Failed sign-ins per client address per window in one workspace, across all
# usernames (password spraying): the address is then refused for the window.
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30)
LOGIN_IP_WINDOW_MINUTES = env_int("LOGIN_IP_WINDOW_MINUTES", 15)
# The owner's e-mail confirmation link (before invitations, API keys, webhooks).
OWNER_VERIFICATION_DAYS = env_int("OWNER_VERIFICATION_DAYS", 7)
OWNER_VERIFICATION_RESENDS_PER_HOUR = env_int("OWNER_VERIFICATION_RESENDS_PER_HOUR", 3)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PUBLIC_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- I18n ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PLATFORM_DIR / "tradepost" / "locale"]
# Dates: ISO in lists, the long form on documents; amounts grouped by thousands in
# both languages (tradepost/formats/).
FORMAT_MODULE_PATH = ["tradepost.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The shell's CSS and the pinned HTMX build (no CDN).
STATICFILES_DIRS = [PLATFORM_DIR / "tradepost" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files land under MEDIA_ROOT/<schema>/ (django-tenants' storage).
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail --------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tradepost <no-reply@localhost>")

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    # DRF's JSON, byte for byte, encoded by orjson (api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Per caller, per workspace and the plan's calls a day, in one Redis round trip.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StrictPageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.StrictFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.TradepostAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # DRF's own get_ident() (throttles of ours use tradepost.clientip.client_ip).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Default API rate limits until a workspace's plan sets its own (api.throttling).
API_RATE_PER_CALLER = env_str("API_RATE_PER_CALLER", "600/min")
API_RATE_PER_WORKSPACE = env_str("API_RATE_PER_WORKSPACE", "3000/min")
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Tradepost API",
    "DESCRIPTION": (
        "Every resource of a Tradepost workspace, at `https://<workspace>.<domain>/api/v1/`. "
        "Authenticate with `Authorization: Bearer <API key>`. Errors share one shape: "
        "`{code, message, errors}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "tradepost.accounts.roles.Role",
        "WebhookDeliveryStatusEnum": "api.webhooks.models.WebhookDelivery.Status",
        "WebhookEventTypeEnum": "tradepost.events.types.SUBSCRIBABLE_EVENT_TYPES",
        "ActivityKindEnum": "tradepost.customers.models.Activity.Kind",
        "TicketKindEnum": "tradepost.customers.models.Ticket.Kind",
        "TicketStatusEnum": "tradepost.customers.models.Ticket.Status",
        "DealerReportKindEnum": "tradepost.customers.models.DealerReport.Kind",
        "CreditGradeEnum": "tradepost.customers.models.Grade",
        "CurrencyEnum": "tradepost.masterdata.models.Currency",
    },
}
# --- API schema: enum names ------------------------------------------------------------
# One stable, meaningful name per choice set. Without these drf-spectacular names a set
# after the field ("status") and, when several sets share a field name, falls back to a
# hash ("StatusA55Enum") or gives one set two names; it warns about each, and its
# warnings are part of `check --deploy`, which must stay clean.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ChannelEnum": "tradepost.customers.models.Channel",
        "PromotionKindEnum": "tradepost.pricing.models.Promotion.Kind",
        "OpportunityStageEnum": "tradepost.pipeline.models.Stage",
        "OrderStatusEnum": "tradepost.sales.models.Order.Status",
        "QuoteStatusEnum": "tradepost.sales.models.Quote.Status",
        "AgreementStatusEnum": "tradepost.channel.models.Agreement.Status",
        "DemandPlanStatusEnum": "tradepost.channel.models.DemandPlan.Status",
        "PriceAdjustmentStatusEnum": "tradepost.channel.models.PriceAdjustment.Status",
        "SettlementCreditStatusEnum": "tradepost.sales.models.SettlementCredit.Status",
        "LocationKindEnum": "tradepost.masterdata.models.Location.Kind",
        "StockMoveKindEnum": "tradepost.inventory.models.StockMove.Kind",
        "DeliveryStatusEnum": "tradepost.inventory.models.Delivery.Status",
        "ReceiptStatusEnum": "tradepost.inventory.models.Receipt.Status",
        "TransferStatusEnum": "tradepost.inventory.models.Transfer.Status",
        "StocktakeStatusEnum": "tradepost.inventory.models.Stocktake.Status",
        "InvoiceKindEnum": "tradepost.settlement.models.Invoice.Kind",
        "InvoiceStatusEnum": "tradepost.settlement.models.Invoice.Status",
        "PaymentKindEnum": "tradepost.settlement.models.Payment.Kind",
        "PaymentStatusEnum": "tradepost.settlement.models.Payment.Status",
        "PaymentMethodEnum": "tradepost.settlement.models.Payment.Method",
        "LedgerEntryKindEnum": "tradepost.settlement.models.LedgerEntry.Kind",
        "PaymentStateEnum": "tradepost.settlement.api.invoices.PAYMENT_STATES",
        "RebateStatusEnum": "tradepost.settlement.models.Rebate.Status",
        "RebatePeriodEnum": "tradepost.settlement.models.RebateRule.Period",
        "RebateBasisEnum": "tradepost.settlement.models.RebateRule.Basis",
        # The name it had before rebates brought a second `basis` set.
        "BasisEnum": "tradepost.channel.models.PriceAdjustment.Basis",
        "RebateRewardEnum": "tradepost.settlement.models.RebateRule.Reward",
        "ExpenseClaimStatusEnum": "tradepost.settlement.models.ExpenseClaim.Status",
        "ExpenseClaimCategoryEnum": "tradepost.settlement.models.ExpenseClaim.Category",
    }
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 2 * 1024 * 1024)

# --- Outbound safety (webhooks; tradepost.outbound) ---------------------------------------
# Requests sent on a workspace's behalf only go to public addresses. Operators with
# receivers on their own network allow them here: comma-separated CIDRs and host names
# (`.example.com` for a domain and its subdomains). Metadata addresses stay refused.
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS", [])
OUTBOUND_ALLOWED_HOSTS = env_list("OUTBOUND_ALLOWED_HOSTS", [])
for _network in OUTBOUND_ALLOWED_NETWORKS:  # a typo fails at start-up, not at first send
    try:
        import ipaddress

        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"OUTBOUND_ALLOWED_NETWORKS: {_network!r} is not a network (like 10.1.2.0/24)"
        ) from _exc

# --- Uploads (tradepost.uploads) and imports (tradepost.dataio) ---------------------
# Every upload: a body over MAX_UPLOAD_BYTES is refused (413) from its Content-Length
# before it is read, and while streaming when the bytes read pass it; files over
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not memory.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
FILE_UPLOAD_HANDLERS = [
    "tradepost.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Import files: size, what an .xlsx may unpack to (declared sizes are checked before
# parsing and the bytes inflated are counted), compression ratio of a member, columns.
DATAIO_MAX_FILE_BYTES = env_int("DATAIO_MAX_FILE_BYTES", 20 * 1024 * 1024)
DATAIO_MAX_UNCOMPRESSED_BYTES = env_int("DATAIO_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
DATAIO_MAX_COMPRESSION_RATIO = env_int("DATAIO_MAX_COMPRESSION_RATIO", 100)
DATAIO_MAX_COLUMNS = env_int("DATAIO_MAX_COLUMNS", 100)
# Files larger than this (an .xlsx: its uncompressed size) import in a Celery task with
# a progress bar; the task is stopped after the soft/hard time limits (seconds).
DATAIO_BACKGROUND_BYTES = env_int("DATAIO_BACKGROUND_BYTES", 1024 * 1024)
DATAIO_TASK_SOFT_TIME_LIMIT = env_int("DATAIO_TASK_SOFT_TIME_LIMIT", 600)
DATAIO_TASK_TIME_LIMIT = env_int("DATAIO_TASK_TIME_LIMIT", 660)
DATAIO_JOB_TTL = 24 * 3600  # how long a background import's status can be polled

# --- Billing (Stripe) ----------------------------------------------------------------
# Without STRIPE_SECRET_KEY billing is offline: operators assign plans, no payments.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # empty: Stripe's API; tests: a local fake
BILLING_TRIAL_DAYS = env_int("BILLING_TRIAL_DAYS", 14)
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 7)

# --- Security headers ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Security: HTTPS, cookies, Content-Security-Policy, Permissions-Policy ---------------
# (production hardening). HTTPS settings follow PUBLIC_URL: an https:// site redirects
# plain HTTP and sends HSTS for itself and every workspace subdomain. /healthz is
# answered before SecurityMiddleware, so load-balancer probes over HTTP still work.
SECURE_HTTPS = env_bool("SECURE_HTTPS", default=PUBLIC_URL.startswith("https://"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # workspaces are subdomains of the base domain
# Preloading is hard to undo (browsers ship the list): an operator's explicit choice.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No script reads the CSRF cookie: pages carry the token in the form or a data-* attribute.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy (django-csp), enforced everywhere, tests included, so a page
# that needs inline script or style fails its browser test. Pages keep their JavaScript
# in static files (data-* attributes carry their data) and their styles in CSS classes:
# neither scripts nor styles may be inline.
# Forms may post (and be redirected after posting) to the public site and the workspace
# subdomains (sign-up hands the new owner over to the workspace) and to Stripe's hosted
# Checkout and Customer Portal (billing redirects there after a POST).
_csp_scheme = "https" if SECURE_HTTPS else "http"
_csp_public_port = urlsplit(PUBLIC_URL).port
# Development: any port (test servers pick a free one).
_csp_port = (f":{_csp_public_port}" if _csp_public_port else "") if SECURE_HTTPS else ":*"
CSP_FORM_ACTION_HOSTS = [
    f"{_csp_scheme}://{TRADEPOST_BASE_DOMAIN}{_csp_port}",
    f"{_csp_scheme}://*.{TRADEPOST_BASE_DOMAIN}{_csp_port}",
    *env_list(
        "CSP_FORM_ACTION_EXTRA", ["https://checkout.stripe.com", "https://billing.stripe.com"]
    ),
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *CSP_FORM_ACTION_HOSTS],
        **({"upgrade-insecure-requests": True} if SECURE_HTTPS else {}),
    }
}
# Browser features no page uses are switched off for every page (and anything it embeds).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Swagger UI would load its validator badge from swagger.io: the CSP refuses it.
SPECTACULAR_SETTINGS["SWAGGER_UI_SETTINGS"] = {"deepLinking": True, "validatorUrl": None}
# security.W021 asks for HSTS preloading, which is hard to undo once browsers ship it:
# off unless the operator sets SECURE_HSTS_PRELOAD=1 (then the check passes anyway).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django_permissions_policy.PermissionsPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_permissions_policy.PermissionsPolicyMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)

# --- Logging and errors --------------------------------------------------------------
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "tradepost.observability.TenantLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(tenant)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},  # would log webhook URLs at DEBUG
        "stripe": {"level": "WARNING"},  # logs every request URL at INFO
        "pgserver": {"level": "WARNING"},  # the embedded PostgreSQL: every pg_ctl run at INFO
    },
}

# --- Security: secrets never in log lines (tradepost.observability) ------------------
# Every console line has API keys, webhook/Stripe secrets, bearer credentials and link
# tokens masked, whatever logger wrote it.
LOGGING["filters"]["secrets"] = {"()": "tradepost.observability.SecretLogFilter"}
LOGGING["handlers"]["console"]["filters"].append("secrets")

SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
if SENTRY_DSN:
    from tradepost.observability import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
