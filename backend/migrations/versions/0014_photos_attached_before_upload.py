"""photos: whether an attachment was made before the server held its bytes

An attachment made before the bytes existed on the server gives sight of them only once its own
creator uploaded them (security issue #13, row 7). Existing attachments are marked from the
times already recorded: attached before the bytes arrived, or bytes never arrived.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attached_before_upload", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    photos = sa.table(
        "photos",
        sa.column("sha256", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("attached_before_upload", sa.Boolean),
    )
    media = sa.table("media_objects", sa.column("sha256", sa.String), sa.column("created_at"))
    held_when_attached = (
        sa.select(sa.literal(1))
        .where(media.c.sha256 == photos.c.sha256, media.c.created_at <= photos.c.created_at)
        .exists()
    )
    op.execute(photos.update().where(~held_when_attached).values(attached_before_upload=True))


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("attached_before_upload")
