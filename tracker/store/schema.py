"""Read-model tables, in SQL that both SQLite and PostgreSQL accept.

Money is stored as integer 分 (BIGINT): exact, portable and fast to sum. Dates are
ISO text, which sorts and compares correctly in both databases.
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE IF NOT EXISTS rm_units (
        code TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        parent_code TEXT,
        status_rule TEXT NOT NULL DEFAULT 'ratio',
        yellow TEXT NOT NULL DEFAULT '80',
        red TEXT NOT NULL DEFAULT '60'
    )""",
    # The ratio rule's minimum lag (quiet starts of the year) of units that set it; a
    # table of its own because an old database gains a table but not a column.
    """CREATE TABLE IF NOT EXISTS rm_unit_min_points (
        id TEXT PRIMARY KEY,
        min_points TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rm_projects (
        id TEXT PRIMARY KEY,
        year INTEGER NOT NULL,
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        expenditure_type TEXT NOT NULL,
        functional TEXT,
        economic TEXT,
        source TEXT NOT NULL,
        owner TEXT NOT NULL,
        plan TEXT,
        UNIQUE (year, code)
    )""",
    "CREATE INDEX IF NOT EXISTS rm_projects_code ON rm_projects (code)",
    "CREATE INDEX IF NOT EXISTS rm_projects_unit ON rm_projects (unit_code, year)",
    """CREATE TABLE IF NOT EXISTS rm_payments (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        reversed_fen BIGINT NOT NULL DEFAULT 0,
        payee TEXT NOT NULL,
        economic TEXT,
        voucher TEXT NOT NULL,
        source TEXT NOT NULL
    )""",
    # A project's ledger as of a date, newest first (the project page lists the latest
    # 100 of a project's thousands), counted and summed from the index alone.
    "DROP INDEX IF EXISTS rm_payments_project",
    "CREATE INDEX IF NOT EXISTS rm_payments_project_date ON rm_payments (project_id, date, id, amount_fen)",
    # Each reversal with its own date, so spending by class can be asked as of a date.
    """CREATE TABLE IF NOT EXISTS rm_reversals (
        id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        reason TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_reversals_payment ON rm_reversals (payment_id)",
    "CREATE INDEX IF NOT EXISTS rm_reversals_project ON rm_reversals (project_id, date)",
    # Each appropriation, for income by source and kind in the public tables.
    """CREATE TABLE IF NOT EXISTS rm_appropriations (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_appropriations_project ON rm_appropriations (project_id)",
    """CREATE TABLE IF NOT EXISTS rm_daily (
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        budget_fen BIGINT NOT NULL DEFAULT 0,
        spent_fen BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, date)
    )""",
    # Monthly sums beside the daily ones: "as of d" = whole months before d's month
    # plus the days of d's month, so an as-of query reads at most ~43 rows a project.
    """CREATE TABLE IF NOT EXISTS rm_monthly (
        project_id TEXT NOT NULL,
        month TEXT NOT NULL,
        budget_fen BIGINT NOT NULL DEFAULT 0,
        spent_fen BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, month)
    )""",
    # Covering indexes for "as of d" (``queries.sums.project_sums``): every project's
    # months and days of a date range are read from the index alone, without a table
    # lookup per row (a past date inside a month reads thousands of daily rows). They
    # replace the plain date indexes, so a write maintains as many indexes as before.
    "DROP INDEX IF EXISTS rm_daily_date",
    "DROP INDEX IF EXISTS rm_monthly_month",
    "CREATE INDEX IF NOT EXISTS rm_daily_date_cover ON rm_daily (date, project_id, budget_fen, spent_fen)",
    "CREATE INDEX IF NOT EXISTS rm_monthly_month_cover ON rm_monthly "
    "(month, project_id, budget_fen, spent_fen)",
    # "As known on" (``queries.known``): every ledger row (appropriation, payment,
    # reversal; a project's registration with no date) with the moment its event was
    # recorded (fixed-width UTC text) and its change of budget and spending, so the
    # figures as known on a moment are one range read of this covering index.
    """CREATE TABLE IF NOT EXISTS rm_recorded (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        date TEXT,
        budget_fen BIGINT NOT NULL DEFAULT 0,
        spent_fen BIGINT NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_recorded_date_cover ON rm_recorded "
    "(date, recorded_at, project_id, budget_fen, spent_fen)",
    "CREATE INDEX IF NOT EXISTS rm_recorded_project ON rm_recorded (project_id, recorded_at)",
    # 合同/采购 commitments: one row per commitment with its totals so far, and every
    # dated change of committed money (the commitment itself, draws by payments,
    # releases, restores by reversals) with its recording moment, so "as of d" and
    # "as known on" are both one range read of the moves.
    """CREATE TABLE IF NOT EXISTS rm_commitments (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        contract TEXT NOT NULL,
        supplier TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        drawn_fen BIGINT NOT NULL DEFAULT 0,
        released_fen BIGINT NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_commitments_project ON rm_commitments (project_id, date)",
    """CREATE TABLE IF NOT EXISTS rm_commitment_moves (
        id TEXT PRIMARY KEY,
        commitment_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        date TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        payment_id TEXT,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_commitment_moves_date ON rm_commitment_moves "
    "(date, recorded_at, project_id, amount_fen)",
    "CREATE INDEX IF NOT EXISTS rm_commitment_moves_commitment ON rm_commitment_moves (commitment_id, date)",
    # Each plan a project was given, with its recording moment: the plan in force then.
    """CREATE TABLE IF NOT EXISTS rm_plan_versions (
        project_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        plan TEXT NOT NULL,
        PRIMARY KEY (project_id, recorded_at)
    )""",
    # Each status rule a unit was given (its registration's defaults first), with its
    # recording moment: the rule in force as known on a moment (``queries.units``).
    """CREATE TABLE IF NOT EXISTS rm_unit_rules (
        unit_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        status_rule TEXT NOT NULL,
        yellow TEXT NOT NULL,
        red TEXT NOT NULL,
        min_points TEXT,
        PRIMARY KEY (unit_id, recorded_at)
    )""",
    # Indicators with their latest progress; numbers as exact decimal text.
    """CREATE TABLE IF NOT EXISTS rm_indicators (
        id TEXT PRIMARY KEY,
        year INTEGER NOT NULL,
        owner_kind TEXT NOT NULL,
        owner_code TEXT NOT NULL,
        seq INTEGER NOT NULL,
        level1 TEXT NOT NULL,
        level2 TEXT NOT NULL,
        name TEXT NOT NULL,
        target_text TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT,
        unit TEXT,
        deadline TEXT,
        weight TEXT,
        description TEXT NOT NULL,
        actual_text TEXT,
        actual_value TEXT,
        completion TEXT,
        progress_date TEXT,
        progress_note TEXT,
        cause TEXT,
        action TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS rm_indicators_owner ON rm_indicators (owner_kind, owner_code, year)",
    """CREATE TABLE IF NOT EXISTS rm_evaluations (
        id TEXT PRIMARY KEY,
        owner_kind TEXT NOT NULL,
        owner_code TEXT NOT NULL,
        year INTEGER NOT NULL,
        finalised INTEGER NOT NULL,
        total TEXT NOT NULL,
        grade TEXT NOT NULL,
        signed_by TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        execution_cause TEXT NOT NULL DEFAULT '',
        execution_action TEXT NOT NULL DEFAULT ''
    )""",
    # The figures each sign-off signed (its event's scores, as JSON): a table of its
    # own, so databases written before it existed gain it without altering rm_evaluations.
    # 年度总体目标 of a self-evaluation (预期目标 / 实际完成情况), as last written.
    """CREATE TABLE IF NOT EXISTS rm_selfeval_goals (
        id TEXT PRIMARY KEY,
        owner_kind TEXT NOT NULL,
        owner_code TEXT NOT NULL,
        year INTEGER NOT NULL,
        goal TEXT NOT NULL,
        outcome TEXT NOT NULL
    )""",
    # A unit's own 一级 shares for indicators without 分值 (JSON {一级: points}).
    """CREATE TABLE IF NOT EXISTS rm_weight_shares (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        shares TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rm_signatures (
        id TEXT PRIMARY KEY,
        scores TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rm_alert_settings (
        unit_code TEXT PRIMARY KEY,
        rules TEXT NOT NULL,
        escalation_days INTEGER NOT NULL,
        managers TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rm_channels (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        purpose TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rm_alerts (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        project TEXT NOT NULL,
        year INTEGER NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        period TEXT NOT NULL,
        raised_on TEXT NOT NULL,
        figures TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        acknowledged_by TEXT,
        ack_comment TEXT,
        escalated_to TEXT,
        resolved_on TEXT,
        notified INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS rm_alerts_open ON rm_alerts (resolved_on, unit_code)",
    """CREATE TABLE IF NOT EXISTS rm_deliveries (
        alert_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_deliveries_alert ON rm_deliveries (alert_id, channel)",
    """CREATE TABLE IF NOT EXISTS rm_requests (
        request_id TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        result_id TEXT NOT NULL
    )""",
    # Accounts: one column per role (NULL = not held, else its unit codes joined by
    # commas, empty for auditor and admin), so each role event sets one column.
    """CREATE TABLE IF NOT EXISTS rm_users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        role_officer TEXT,
        role_manager TEXT,
        role_auditor TEXT,
        role_admin TEXT
    )""",
    # API tokens: the SHA-256 of the secret part only; looked up by id.
    """CREATE TABLE IF NOT EXISTS rm_user_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        label TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS rm_user_tokens_user ON rm_user_tokens (user_id)",
)

# Emptied (in this order) before a rebuild from the event log.
READ_TABLES = (
    "rm_user_tokens",
    "rm_users",
    "rm_requests",
    "rm_deliveries",
    "rm_alerts",
    "rm_channels",
    "rm_alert_settings",
    "rm_signatures",
    "rm_weight_shares",
    "rm_selfeval_goals",
    "rm_evaluations",
    "rm_indicators",
    "rm_unit_rules",
    "rm_plan_versions",
    "rm_recorded",
    "rm_commitment_moves",
    "rm_commitments",
    "rm_appropriations",
    "rm_reversals",
    "rm_monthly",
    "rm_daily",
    "rm_payments",
    "rm_projects",
    "rm_unit_min_points",
    "rm_units",
)
