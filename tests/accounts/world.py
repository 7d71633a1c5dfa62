"""Isolation world: a manager of tenant A (the target of the team actions)."""

from tests.factories import create_user

ORDER = 10


def build(world) -> None:
    """Tenant A gets a manager whose id fills <user_id>."""
    with world.app.app_context():
        manager = create_user(world.tenant_a, "manager", email="manager-a@example.com")
        world.ids["user_id"] = manager.id
