"""The isolation world: tenant A with one object of every kind, tenant B with only its actors.

Feature test packages add to it without touching the sweep: a module `tests/<feature>/world.py`
defines `ORDER` (int) and `build(world)`, which creates tenant A's objects (recording their ids
under the URL argument names, e.g. world.ids["compound_id"]) and, when the feature has its own
kind of signed-in actor (a guard on an enrolled phone, ...), registers a pair of clients with
world.add_actor(kind, client_of_tenant_a, client_of_tenant_b).
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import login
from tests.factories import PASSWORD, create_tenant, create_user


@dataclass
class World:
    """Two tenants, A's objects by URL argument name, and clients of both for each actor kind."""

    app: object
    tenant_a: object = None
    tenant_b: object = None
    ids: dict = field(default_factory=dict)
    actors: dict = field(default_factory=dict)

    def add_actor(self, kind: str, client_a, client_b) -> None:
        """Register a kind of signed-in actor: a client of tenant A and one of tenant B."""
        self.actors[kind] = (client_a, client_b)


def _builders():
    root = Path(__file__).parent
    found = []
    for info in pkgutil.iter_modules([str(root)]):
        if info.ispkg and (root / info.name / "world.py").exists():
            module = importlib.import_module(f"tests.{info.name}.world")
            found.append(module)
    return sorted(found, key=lambda m: m.ORDER)


def build_world(app) -> World:
    """Create both tenants, their owners signed in, and every feature's objects for tenant A."""
    world = World(app)
    with app.app_context():
        world.tenant_a = create_tenant("甲物业有限公司")
        world.tenant_b = create_tenant("乙物业有限公司")
        owner_a = create_user(world.tenant_a, "owner", email="owner-a@example.com")
        create_user(world.tenant_b, "owner", email="owner-b@example.com")
        world.owner_a_id = owner_a.id
    client_a, client_b = app.test_client(), app.test_client()
    assert login(client_a, "owner-a@example.com", PASSWORD).status_code == 302
    assert login(client_b, "owner-b@example.com", PASSWORD).status_code == 302
    world.add_actor("office", client_a, client_b)
    for module in _builders():
        module.build(world)
    return world
