"""The allowed directions of imports between the packages of xgm (checked by tests/test_layers.py).

A package here is a folder under xgm/ (xgm/passes), a top-level module of xgm (xgm/config.py),
or one of the top-level libraries `chinatime`, `tenants` and `printables`. `LAYERS` lists them from the
bottom up: a package may import itself and any package listed before it, never one listed after
it, whether the import sits at module level or inside a function. Inside a layer the order is
the same rule (a package may use the ones before it in its own layer). `xgm` itself
(xgm/__init__.py: ROOT and create_app, the composition root) is above everything and imported
by nobody. `PROGRAMS` are separate programs started on their own (simulators, the on-site gate
agent): they may import any layer, and nothing in `LAYERS` imports them.

A new package must be placed here (the test fails on any package it does not find listed).
docs/architecture.md describes the layers and the package map.
"""

from __future__ import annotations

#: Bottom to top. Each entry: (layer name, why it sits here, its packages in their order).
LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "foundation",
        "settings, China's clock (chinatime.py, standard library only), the Flask class and "
        "the database/Redis handles every other module is built on, and this declaration; no "
        "app code",
        ("layers", "chinatime", "config", "flaskapp", "replica", "extensions"),
    ),
    (
        "tenancy and printing",
        "the tenancy wall (Tenant, scoping) under every model; posters rendered without Flask",
        ("tenants", "printables"),
    ),
    (
        "infrastructure",
        "request plumbing, logs, errors, form inputs, queues, commit hooks, secrets, locale and "
        "partition upkeep: used by every feature, knows none of them",
        (
            "observability",
            "errors",
            "inputs",
            "queues",
            "committed",
            "sealed",
            "i18n",
            "headers",
            "history",
        ),
    ),
    (
        "city and reference data",
        "the city platform's client, its webhooks and the rider's city identity, and the "
        "administrative divisions: outside facts the features build on, knowing no feature",
        ("city", "webhooks", "riders", "divisions"),
    ),
    (
        "office core",
        "the audit record every action writes (so below the accounts that act), the office "
        "accounts and sessions, the home page with its navigation/checklist registries that "
        "features fill in, the audit log page (it needs the accounts and the navigation), and "
        "the demo seeder registry",
        ("audit", "accounts", "home", "auditlog", "demo"),
    ),
    (
        "features",
        "one package per feature noun, each using only the ones before it: alerts are raised "
        "by many; compounds and gates hold everything on site; the gate rules and phones "
        "belong to gates; guards sign in on phones; privacy logs who saw rider data (guards "
        "among them) and runs the purges features register; blocks, gate agents and posters "
        "feed the scan; passes is the scan itself; presence and complaints follow an arrival; "
        "the guide shows a pass",
        (
            "alerts",
            "compounds",
            "gaterules",
            "devices",
            "guards",
            "privacy",
            "blocks",
            "gateagents",
            "posters",
            "passes",
            "presence",
            "complaints",
            "guide",
        ),
    ),
    (
        "guard phone",
        "every /guard page of the gate phone, over the features it shows",
        ("guardphone",),
    ),
    (
        "reporting and pages over features",
        "figures and periods read from every feature's tables, then the pages built on them: "
        "dashboard, exports, the regulators' oversight, the operators' console over all "
        "tenants (its log and session ending serve the company's closure), the company's own "
        "export and closure, the compliance report",
        ("reporting", "dashboard", "exports", "oversight", "ops", "company", "compliance"),
    ),
    (
        "entry points",
        "health probes (they read ops' queue figures), start-up checks, the command line and "
        "`make run`: they start or inspect the whole app",
        ("probes", "preflight", "cli", "devserver"),
    ),
)

#: Separate programs: the simulators of the city platform, the gate devices and the group
#: robots, and the on-site gate agent. They may use any layer (the city simulator signs as the city client does);
#: no package in LAYERS imports them.
PROGRAMS: tuple[str, ...] = ("citysim", "gatesim", "botsim", "gateagent")

#: The composition root: xgm/__init__.py (ROOT, BLUEPRINTS, create_app) imports every layer.
ROOT_PACKAGE = "xgm"


def ordered() -> tuple[str, ...]:
    """Every package of LAYERS, bottom first."""
    return tuple(name for _layer, _why, names in LAYERS for name in names)
