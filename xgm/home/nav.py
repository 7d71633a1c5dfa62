"""Office navigation links, registered by each feature."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavLink:
    """A link in the office top bar."""

    order: int
    endpoint: str
    label: str


_LINKS: dict[str, NavLink] = {}


def register_nav_link(link: NavLink) -> None:
    """Add a top-bar link (features call this from their init_app)."""
    _LINKS[link.endpoint] = link


def nav_links() -> list[NavLink]:
    """The registered links, in order."""
    return sorted(_LINKS.values(), key=lambda link: link.order)
