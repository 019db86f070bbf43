"""Configuration from the environment, with embedded defaults for `make run`."""

import os
import re
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    path = Path(os.environ.get("XUNCHA_VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = var_dir() / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    env = os.environ
    config = {
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'xuncha.db'}",
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(var_dir() / "media"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        # Safety-code posters: a CJK TrueType font (.ttf/.ttc).
        "POSTER_FONT": env.get("POSTER_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
        "TOKEN_TTL_HOURS": int(env.get("TOKEN_TTL_HOURS", "720")),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE": int(
            env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE", "50")
        ),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(env.get("LOGIN_FAILURE_WINDOW_MINUTES", "15")),
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT", "0")),
        # Local policy (no source): a password someone else reset must be changed by its holder
        # before the account does anything else.
        "PASSWORD_RESET_FORCES_CHANGE": env.get("PASSWORD_RESET_FORCES_CHANGE", "1") != "0",
        # Hazard deadlines and notifications.
        "DUE_SOON_DAYS": int(env.get("DUE_SOON_DAYS", "3")),
        "ESCALATION_DAYS": int(env.get("ESCALATION_DAYS", "3")),
        "WEBHOOK_URL": env.get("WEBHOOK_URL") or None,
        "WEBHOOK_TIMEOUT_SECONDS": float(env.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        "WEBHOOK_MAX_ATTEMPTS": int(env.get("WEBHOOK_MAX_ATTEMPTS", "8")),
        "WEBHOOK_BACKOFF_SECONDS": float(env.get("WEBHOOK_BACKOFF_SECONDS", "60")),
        "JOB_LEASE_SECONDS": int(env.get("JOB_LEASE_SECONDS", "600")),
        # Operations (core/metrics.py, core/logs.py): the bearer token /metrics answers (unset:
        # no /metrics), the log format (json or text).
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "LOG_FORMAT": env.get("LOG_FORMAT", "json"),
        # Local policy: the background queue (core/queue.py): how often each instance's worker
        # looks, how long a claim holds, attempts before a job is dead, the first retry's wait
        # (doubled at each further attempt).
        "QUEUE_POLL_SECONDS": float(env.get("QUEUE_POLL_SECONDS", "2")),
        "QUEUE_LEASE_SECONDS": float(env.get("QUEUE_LEASE_SECONDS", "300")),
        "QUEUE_MAX_ATTEMPTS": int(env.get("QUEUE_MAX_ATTEMPTS", "5")),
        "QUEUE_BACKOFF_SECONDS": float(env.get("QUEUE_BACKOFF_SECONDS", "30")),
        # Offline sync (local policy, no source): the past a device keeps of its own work.
        "SYNC_HISTORY_DAYS": int(env.get("SYNC_HISTORY_DAYS", "90")),
        # Local policy: the days a change stays in the sync's change log (jobs/retention.py);
        # a device that has not pulled for longer resyncs from scratch.
        "SYNC_CHANGE_LOG_RETENTION_DAYS": int(env.get("SYNC_CHANGE_LOG_RETENTION_DAYS", "180")),
        "SYNC_MAX_RECORDS_PER_PUSH": int(env.get("SYNC_MAX_RECORDS_PER_PUSH", "10000")),
        "SYNC_MAX_BODY_BYTES": int(env.get("SYNC_MAX_BODY_BYTES", str(16 * 1024 * 1024))),
        # Credit, blacklist, commitments, classification. HOLIDAYS / WORKDAYS:
        # comma-separated ISO dates overriding chinesecalendar's arrangement, and giving a
        # year it does not know yet (core/periods.py).
        "HOLIDAYS": env.get("HOLIDAYS"),
        "WORKDAYS": env.get("WORKDAYS"),
        "CREDIT_RECORD_TERM_YEARS": int(env.get("CREDIT_RECORD_TERM_YEARS", "1")),
        "BLACKLIST_DEFENCE_WORKING_DAYS": int(env.get("BLACKLIST_DEFENCE_WORKING_DAYS", "5")),
        "BLACKLIST_PUBLISH_WORKING_DAYS": int(env.get("BLACKLIST_PUBLISH_WORKING_DAYS", "10")),
        "BLACKLIST_REMOVAL_WORKING_DAYS": int(env.get("BLACKLIST_REMOVAL_WORKING_DAYS", "10")),
        # 方案2 L84: the removal application "期满前30个工作日内".
        "BLACKLIST_APPLICATION_WORKING_DAYS": int(
            env.get("BLACKLIST_APPLICATION_WORKING_DAYS", "30")
        ),
        # Local policy: the list (county per seed 002, city per 方案5, province) an entry and a
        # bad credit record go on, by default and per jurisdiction ("<id>:city,<id>:county"):
        # it words trigger 六 (credit/levels.py).
        "BLACKLIST_LIST_LEVEL": env.get("BLACKLIST_LIST_LEVEL", "county"),
        "BLACKLIST_LIST_LEVEL_BY_JURISDICTION": env.get("BLACKLIST_LIST_LEVEL_BY_JURISDICTION", ""),
        # Local policy: a province entry is on the city and county lists too (方案5 L188 says
        # so of a city entry and the county list only).
        "BLACKLIST_PROVINCE_ON_LOWER_LISTS": env.get(
            "BLACKLIST_PROVINCE_ON_LOWER_LISTS", "true"
        ).lower()
        in ("1", "true", "yes"),
        # Local policy: whose list of 重点承诺内容 an enterprise commitment follows outside
        # construction (方案6 there): plan2 (县, 方案2), plan5 (市, 方案5) or seed002 (蓝山县).
        "COMMITMENT_PLAN": env.get("COMMITMENT_PLAN", "plan2"),
        # Local policy: the risk classes that make an enterprise one of the 辖区重点企业 who sign
        # the duty commitment beside the eight industries of 青安委〔2024〕2号.
        "DUTY_COMMITMENT_KEY_RISK_CLASSES": env.get(
            "DUTY_COMMITMENT_KEY_RISK_CLASSES", "major,high"
        ),
        # Local policy: a self-found hazard an official reopened is verified by an official.
        "HAZARD_REOPENED_VERIFIED_BY_OFFICIALS": env.get(
            "HAZARD_REOPENED_VERIFIED_BY_OFFICIALS", "true"
        ).lower()
        in ("1", "true", "yes"),
        # Local policy: an enterprise without coordinates takes those of the first on-site
        # inspection or code scan that brings GPS (enterprises/services.learn_coordinates).
        "ENTERPRISE_LEARN_COORDINATES": env.get("ENTERPRISE_LEARN_COORDINATES", "true").lower()
        in ("1", "true", "yes"),
        # Local policy: how many MB of after-photos of hazards awaiting verification the app
        # keeps for verifying offline (app/src/photos.js; told in the shell's meta tag).
        "APP_AFTER_PHOTO_CACHE_MB": int(env.get("APP_AFTER_PHOTO_CACHE_MB", "30")),
        # Local policy: how long a removed entry stays on the public list (with its dates).
        "BLACKLIST_REMOVED_SHOWN_DAYS": int(env.get("BLACKLIST_REMOVED_SHOWN_DAYS", "365")),
        # Local policy: the enterprise's objection period, and whether another supervisor than
        # the collector reviews a bad credit record (审核).
        "CREDIT_OBJECTION_WORKING_DAYS": int(env.get("CREDIT_OBJECTION_WORKING_DAYS", "5")),
        "CREDIT_REVIEW_BY_ANOTHER": env.get("CREDIT_REVIEW_BY_ANOTHER", "true").lower()
        in ("1", "true", "yes"),
        # Enforcement documents (enforcement/numbering.py), local policy: the authority's
        # abbreviation in a document number and its name, per district ("12:崂山应急,…");
        # by default derived from the district's name.
        "ENFORCEMENT_ABBREVIATIONS": env.get("ENFORCEMENT_ABBREVIATIONS", ""),
        "ENFORCEMENT_AUTHORITY_NAMES": env.get("ENFORCEMENT_AUTHORITY_NAMES", ""),
        # 双公示 (方案5 L198, 方案6 L233): penalty decisions published within 20 working days;
        # local policy: the board warns this many working days before the deadline.
        "PENALTY_PUBLICATION_WORKING_DAYS": int(env.get("PENALTY_PUBLICATION_WORKING_DAYS", "20")),
        # Local policy: the seeds give no deadline for publishing a licence decision.
        "LICENCE_PUBLICATION_WORKING_DAYS": int(env.get("LICENCE_PUBLICATION_WORKING_DAYS", "7")),
        "PENALTY_PUBLICATION_WARNING_WORKING_DAYS": int(
            env.get("PENALTY_PUBLICATION_WARNING_WORKING_DAYS", "3")
        ),
        "INSPECTION_INTERVAL_MONTHS": env.get(
            "INSPECTION_INTERVAL_MONTHS", "key:1,elevated:3,general:6,low:12"
        ),
        # Classification (分级分类, classification/services.py): the factors are the sources',
        # these numbers local policy. Points per factor; the level runs 0 (low) … 3 (key).
        "CLASSIFICATION_WEIGHTS": env.get(
            "CLASSIFICATION_WEIGHTS",
            "risk_feature:1,above_scale:1,grade1:-2,grade2:-1,grade3:0,no_grade:1,"
            "low_inspection_score:1,self_reported_hazards:-1,no_self_inspection:1,"
            "bad_record:1,open_major_hazard:1",
        ),
        # 从业人员20人以上 (seed 001 L85) counts as size like 规模以上.
        "CLASSIFICATION_EMPLOYEES_ABOVE": int(env.get("CLASSIFICATION_EMPLOYEES_ABOVE", "20")),
        # The last supervision inspection scored below this: a weak management level.
        "CLASSIFICATION_LOW_SCORE": float(env.get("CLASSIFICATION_LOW_SCORE", "60")),
        # The window in which self-inspections (自查自报) count.
        "CLASSIFICATION_SELF_REPORT_DAYS": int(env.get("CLASSIFICATION_SELF_REPORT_DAYS", "365")),
        # Local policy (no source): the days before a certificate expires that remind the
        # enterprise's safety managers (each once), and before the end of a drill period
        # (seed 004 item 17) that a drill not yet held is reminded; which classes (分级分类)
        # count as 重点单位 for item 17.
        "CERTIFICATE_REMINDER_DAYS": env.get("CERTIFICATE_REMINDER_DAYS", "30,7"),
        "DRILL_DUE_SOON_DAYS": int(env.get("DRILL_DUE_SOON_DAYS", "30")),
        # Local policy: how many days before its due date an enterprise that has not yet
        # submitted its 16号令 第十四条 statistics is reminded (once per period).
        "REPORT_REMINDER_DAYS": int(env.get("REPORT_REMINDER_DAYS", "7")),
        "EMERGENCY_KEY_UNIT_CLASSES": env.get("EMERGENCY_KEY_UNIT_CLASSES", "key"),
        # Local policy: the 5×5 risk matrix's bands (R = likelihood × severity, the lowest R of
        # each level), and the points a 重大 (red) risk point adds to the class (0: none).
        "RISK_MATRIX_BANDS": env.get("RISK_MATRIX_BANDS", "major:20,larger:15,general:9"),
        "CLASSIFICATION_MAJOR_RISK_POINT_POINTS": int(
            env.get("CLASSIFICATION_MAJOR_RISK_POINT_POINTS", "1")
        ),
        # Local policy: the days after 登记建档 by which a major hazard with no evaluation date
        # yet is to be filed (备案; with one, 暂行规定 第二十三条 gives 15 days after it), and the
        # days before its 3-year evaluation falls due that its safety managers are reminded.
        "INSTALLATION_FILING_DAYS": int(env.get("INSTALLATION_FILING_DAYS", "30")),
        "INSTALLATION_EVALUATION_DUE_SOON_DAYS": int(
            env.get("INSTALLATION_EVALUATION_DUE_SOON_DAYS", "60")
        ),
        # Local policy (seed 001 L55 asks for grid supervision but names no frequency): the
        # patrols a grid worker owes each month where the grid sets none of its own.
        "PATROLS_PER_MONTH": int(env.get("PATROLS_PER_MONTH", "4")),
        # Local policy: the GPS points one patrol's route may carry.
        "PATROL_MAX_ROUTE_POINTS": int(env.get("PATROL_MAX_ROUTE_POINTS", "5000")),
        "SIGNATURE_MAX_BYTES": int(env.get("SIGNATURE_MAX_BYTES", str(256 * 1024))),
        # Photos. S3_* are read only when MEDIA_STORAGE=s3; secrets are never logged.
        "MEDIA_STORAGE": env.get("MEDIA_STORAGE", "local").lower(),
        "S3_BUCKET": env.get("S3_BUCKET", ""),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": env.get("S3_REGION", ""),
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY", ""),
        "S3_SIGNED_URL_SECONDS": int(env.get("S3_SIGNED_URL_SECONDS", "300")),
        # "path" (MinIO, most gateways) or "virtual" (bucket.endpoint; Aliyun OSS needs it).
        "S3_ADDRESSING_STYLE": env.get("S3_ADDRESSING_STYLE", "path").lower(),
        "MEDIA_MAX_BYTES": int(env.get("MEDIA_MAX_BYTES", str(32 * 1024 * 1024))),
        "MEDIA_UNATTACHED_TTL_HOURS": int(env.get("MEDIA_UNATTACHED_TTL_HOURS", "48")),
        # Local policy: stored objects no row names are deleted once this old (the age keeps
        # the sweep off uploads whose row is not committed yet).
        "MEDIA_ORPHAN_GRACE_HOURS": float(env.get("MEDIA_ORPHAN_GRACE_HOURS", "24")),
        # Local policy (security issue #13, row 13; measured in bench/photos/README.md): images
        # decoded at once per process, how long a request waits for that, and the compression
        # ratio above which an image that decodes to more than the free bytes is refused.
        "MEDIA_DECODE_SLOTS": int(env.get("MEDIA_DECODE_SLOTS", "2")),
        "MEDIA_DECODE_WAIT_SECONDS": float(env.get("MEDIA_DECODE_WAIT_SECONDS", "5")),
        "MEDIA_MAX_DECODE_RATIO": float(env.get("MEDIA_MAX_DECODE_RATIO", "400")),
        "MEDIA_DECODE_RATIO_FREE_BYTES": int(
            env.get("MEDIA_DECODE_RATIO_FREE_BYTES", str(64 * 1024 * 1024))
        ),
        "MEDIA_DERIVATIVES_ASYNC": env.get("MEDIA_DERIVATIVES_ASYNC", "1") not in ("0", "false"),
        # Local policy: unfinished tus uploads one user may hold, and the bytes they declare.
        "TUS_MAX_OPEN_UPLOADS_PER_USER": int(env.get("TUS_MAX_OPEN_UPLOADS_PER_USER", "8")),
        "TUS_MAX_OPEN_BYTES_PER_USER": int(
            env.get("TUS_MAX_OPEN_BYTES_PER_USER", str(256 * 1024 * 1024))
        ),
        # Request bodies above this answer 413 before they are read (photos stream, never buffer).
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(64 * 1024 * 1024))),
    }
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key()
    _check_secret_key(config)
    _check_blacklist_levels(config)
    if config["S3_ADDRESSING_STYLE"] not in ("path", "virtual"):
        raise ConfigError("S3_ADDRESSING_STYLE must be path or virtual")
    if config["COMMITMENT_PLAN"] not in ("plan2", "plan5", "seed002"):
        raise ConfigError("COMMITMENT_PLAN must be plan2, plan5 or seed002")
    return config


MIN_SECRET_KEY_LENGTH = 32


class ConfigError(ValueError):
    pass


BLACKLIST_LEVEL = r"(county|city|province)"


def _check_blacklist_levels(config: dict) -> None:
    """Refused at start rather than at the first blacklist entry (credit/blacklist.py)."""
    if not re.fullmatch(BLACKLIST_LEVEL, config["BLACKLIST_LIST_LEVEL"]):
        raise ConfigError("BLACKLIST_LIST_LEVEL must be county, city or province")
    by_jurisdiction = config["BLACKLIST_LIST_LEVEL_BY_JURISDICTION"].replace(" ", "")
    if by_jurisdiction and not re.fullmatch(
        rf"[0-9]+:{BLACKLIST_LEVEL}(,[0-9]+:{BLACKLIST_LEVEL})*", by_jurisdiction
    ):
        raise ConfigError("BLACKLIST_LIST_LEVEL_BY_JURISDICTION must read like 12:city,34:county")


def _check_secret_key(config: dict) -> None:
    """Sessions and CSRF tokens are signed with SECRET_KEY: a short one can be guessed."""
    if config.get("TESTING"):
        return
    if len(config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters"
            " (unset it to have one generated and kept under var/)"
        )
