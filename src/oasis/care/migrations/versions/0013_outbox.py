"""one outbox: account_notice, notification_outbox and outbox_message become ``outbox``

The three tables written by three features are copied into one (kinds renamed to the
new vocabulary, refs to « appointment:<id> »), keeping one row per (kind, ref): the first
one wins, a sent copy before a stored one.  The old tables are then dropped.

Revision ID: 0013_outbox
Revises: 0012_tele_chat
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_outbox"
down_revision = "0012_tele_chat"
branch_labels = None
depends_on = None

BATCH = 1000
JOB_KINDS = {"confirmation": "booking_confirmed"}
OLD_REFS = {"booking:": "appointment:", "reminder:": "appointment:"}


def _outbox_table(name: str) -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        # the stored values are copied as read (text on SQLite, timestamptz on PostgreSQL)
        sa.Column("created_at", sa.types.NullType(), nullable=False),
        sa.Column("sent_at", sa.types.NullType(), nullable=True),
    )


def _new_ref(ref: str | None) -> str | None:
    if ref is None:
        return None
    for old, new in OLD_REFS.items():
        if ref.startswith(old):
            return new + ref[len(old):]
    return ref[:80]


def _rows(conn) -> list[dict]:
    """Every old message in the new shape, sent ones first, then by age."""
    rows: list[dict] = []
    accounts = dict(conn.execute(sa.text("SELECT lower(email), id FROM account")).all())
    for r in conn.execute(sa.text(
            "SELECT email, kind, subject, body, created_at, sent_at FROM account_notice "
            "ORDER BY id")).mappings():
        rows.append({"channel": "email", "kind": r["kind"][:40], "ref": None,
                     "patient_id": None, "account_id": accounts.get(r["email"].lower()),
                     "recipient": r["email"][:200], "subject": r["subject"][:200],
                     "body": r["body"], "ics": None,
                     "status": "sent" if r["sent_at"] else "stored",
                     "attempts": 1 if r["sent_at"] else 0, "error": None,
                     "created_at": r["created_at"], "sent_at": r["sent_at"]})
    for r in conn.execute(sa.text(
            "SELECT channel, kind, ref, patient_id, recipient, subject, body, ics, status, "
            "error, created_at, sent_at FROM notification_outbox ORDER BY id")).mappings():
        status = r["status"] if r["status"] in ("stored", "sent", "failed") else "stored"
        rows.append({"channel": r["channel"] if r["channel"] in ("email", "sms") else "email",
                     "kind": r["kind"][:40], "ref": _new_ref(r["ref"]),
                     "patient_id": r["patient_id"], "account_id": None,
                     "recipient": r["recipient"][:200], "subject": r["subject"][:200],
                     "body": r["body"], "ics": r["ics"], "status": status,
                     "attempts": 0 if status == "stored" else 1, "error": r["error"],
                     "created_at": r["created_at"], "sent_at": r["sent_at"]})
    for r in conn.execute(sa.text(
            "SELECT m.kind, m.ref, m.patient_id, m.subject, m.body, m.created_at, "
            "m.delivered_at, m.channel, p.email, p.phone FROM outbox_message m "
            "LEFT JOIN patient p ON p.id = m.patient_id ORDER BY m.id")).mappings():
        # « outbox » was the jobs' default notifier: kept, never sent
        sent = r["delivered_at"] is not None and r["channel"] not in (None, "outbox")
        email = (r["email"] or "").strip().lower()
        channel = "email" if "@" in email or not r["phone"] else "sms"
        rows.append({"channel": channel, "kind": JOB_KINDS.get(r["kind"], r["kind"])[:40],
                     "ref": _new_ref(r["ref"]), "patient_id": r["patient_id"],
                     "account_id": None,
                     "recipient": (email if channel == "email" else r["phone"]) or "",
                     "subject": r["subject"][:200], "body": r["body"], "ics": None,
                     "status": "sent" if sent else "stored", "attempts": 1 if sent else 0,
                     "error": None, "created_at": r["created_at"],
                     "sent_at": r["delivered_at"] if sent else None})
    order = {"sent": 0, "failed": 1, "stored": 2}
    rows.sort(key=lambda row: order[row["status"]])  # stable: age order kept within
    seen: set[tuple[str, str]] = set()
    kept = []
    for row in rows:
        if row["ref"] is not None:
            key = (row["kind"], row["ref"])
            if key in seen:
                continue
            seen.add(key)
        kept.append(row)
    kept.sort(key=lambda row: row["created_at"])
    return kept


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_outbox_channel")),
        sa.CheckConstraint("status IN ('stored', 'sent', 'failed')",
                           name=op.f("ck_outbox_status")),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"],
                                name=op.f("fk_outbox_account_id_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_outbox_patient_id_patient"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("kind", "ref", name="uq_outbox_kind_ref"),
    )
    op.create_index(op.f("ix_outbox_account_id"), "outbox", ["account_id"])
    op.create_index(op.f("ix_outbox_patient_id"), "outbox", ["patient_id"])
    op.create_index(op.f("ix_outbox_recipient"), "outbox", ["recipient"])
    op.create_index("ix_outbox_pending", "outbox", ["status", "id"])
    conn = op.get_bind()
    rows = _rows(conn)
    table = _outbox_table("outbox")
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i:i + BATCH])
    op.drop_index("ix_outbox_message_pending", table_name="outbox_message")
    op.drop_index(op.f("ix_outbox_message_patient_id"), table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_index(op.f("ix_notification_outbox_ref"), table_name="notification_outbox")
    op.drop_index(op.f("ix_notification_outbox_patient_id"), table_name="notification_outbox")
    op.drop_table("notification_outbox")
    with op.batch_alter_table("account_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_notice_email"))
    op.drop_table("account_notice")


def downgrade() -> None:
    """Back to the three tables: account notices (rows without a patient, with an
    account) and the rest into notification_outbox; the jobs' table starts empty (its
    rows would need a patient and the old kinds, and a re-queue is harmless there)."""
    op.create_table(
        "account_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notice")),
    )
    with op.batch_alter_table("account_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_notice_email"), ["email"], unique=False)
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_notification_outbox_patient_id_patient"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(op.f("ix_notification_outbox_patient_id"), "notification_outbox",
                    ["patient_id"], unique=False)
    op.create_index(op.f("ix_notification_outbox_ref"), "notification_outbox", ["ref"],
                    unique=False)
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_outbox_message_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("kind", "ref", name="uq_outbox_message_kind_ref"),
    )
    op.create_index("ix_outbox_message_pending", "outbox_message", ["delivered_at", "id"])
    op.create_index(op.f("ix_outbox_message_patient_id"), "outbox_message", ["patient_id"])
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO account_notice (email, kind, subject, body, created_at, sent_at) "
        "SELECT recipient, kind, subject, substr(body, 1, 4000), created_at, sent_at "
        "FROM outbox WHERE patient_id IS NULL AND channel = 'email' ORDER BY id"))
    conn.execute(sa.text(
        "INSERT INTO notification_outbox (channel, kind, ref, patient_id, recipient, "
        "subject, body, ics, status, error, created_at, sent_at) "
        "SELECT channel, kind, substr(ref, 1, 60), patient_id, recipient, subject, body, "
        "ics, status, error, created_at, sent_at FROM outbox "
        "WHERE patient_id IS NOT NULL ORDER BY id"))
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index(op.f("ix_outbox_recipient"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_patient_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_account_id"), table_name="outbox")
    op.drop_table("outbox")
