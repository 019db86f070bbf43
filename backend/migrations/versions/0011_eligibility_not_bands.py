"""inspections: eligibility statements of a standardisation assessment replace the band label

The band (达标 / 标杆 / 可新申报一级) was put on every duty31 and 五落实 inspection; seed 003's
60/75/90 are floors of the 创建大纲 for a bureau's decision, so the labels already stored were
never right and are dropped with their columns. A standardisation assessment now keeps the
eligibility statements its score reached (a JSON list of {code, label}); other inspections keep
their score and no label.

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("eligibility", sa.JSON(), nullable=True))
        batch.drop_column("band_label")
        batch.drop_column("band_code")


def downgrade() -> None:
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("band_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("band_label", sa.String(length=64), nullable=True))
        batch.drop_column("eligibility")
