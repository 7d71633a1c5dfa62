"""Isolation world: a manager of tenant A (the target of the team actions)."""

from tests.factories import create_user

ORDER = 10


def build(world) -> None:
    """Tenant A gets a manager whose id fills <user_id>."""
    with world.app.app_context():
        manager = create_user(world.tenant_a, "manager", email="manager-a@example.com")
        world.ids["user_id"] = manager.id
    with world.app.app_context():
        from sqlalchemy import inspect

        from tenants import tenant_context
        from xgm.accounts.invitations import create
        from xgm.extensions import db

        with tenant_context(inspect(world.tenant_a).identity[0]):
            invitation, _token = create("invitee-a@example.com", "受邀人", world.owner_a_id)
            db.session.commit()
            world.ids["invitation_id"] = invitation.id
