"""The test facade: every kind of object the tests need, built one way.

Tenants and office users (accounts), operators and observers (ops), compounds and gates
(compounds), guards and enrolled phones (guards), riders at gates and arrivals (passes),
complaints (complaints), the city simulator's settings and controls (city, citysim), group
robots (alerts), gate agents (gateagents), a guard on duty at a physical gate (physicalgate),
and the isolation world of every kind of object with every principal (world, principals).
Import from here: `from tests.factories import create_tenant, make_site`. The city simulator
process is the `sim_server` / `sim` fixture pair of tests/conftest.py.
"""

from tests.factories.accounts import (  # noqa: F401
    PASSWORD,
    create_tenant,
    create_user,
    make_uscc,
)
from tests.factories.alerts import (  # noqa: F401
    add_hook,
    deliveries,
    run_worker,
)
from tests.factories.city import (  # noqa: F401
    CLIENT_ID,
    PUBLIC_URL,
    REDIRECT_URI,
    SECRET,
    WEBHOOK_MAX_ATTEMPTS,
    Receiver,
    control,
    free_port,
)
from tests.factories.citysim import (  # noqa: F401
    Signed,
    complaint_body,
    sim_config,
)
from tests.factories.complaints import (  # noqa: F401
    ACTIVE_RIDER,
    OTHER_RIDER,
    UNKNOWN_RIDER,
    file_direct,
    load,
    local,
    make_complaint_site,
    sim_complaints,
    sim_fail,
    tenant_name,
    update_outbox,
)
from tests.factories.compounds import (  # noqa: F401
    COMPOUND_FORM,
    Office,
    create_compound,
    create_gate,
    sign_in_office,
    token_of,
)
from tests.factories.gateagents import (  # noqa: F401
    AGENT_CODE_RE,
    AgentApi,
    age_agent,
    age_command,
    agent,
    command,
    pair,
    paired_agent,
    pairing_code,
    send_open,
)
from tests.factories.guards import (  # noqa: F401
    CODE_RE,
    PIN,
    PLAIN_COMPOUND,
    Site,
    audit_kinds,
    create_guard,
    enroll_phone,
    make_site,
    new_code,
    page_csrf,
    pin_sign_in,
    signed_in_phone,
)
from tests.factories.ops import (  # noqa: F401
    create_observer,
    create_operator,
    observer_login,
    ops_login,
    signed_in_operator,
)
from tests.factories.passes import (  # noqa: F401
    ACTIVE,
    ACTIVE_2,
    EXPIRED,
    REVOKED,
    SUSPENDED,
    Duty,
    Stream,
    accept_notice,
    age_arrivals,
    arrivals,
    authorize,
    city_config,
    count_arrivals,
    held_event,
    lookups,
    make_place,
    office_csrf,
    post_event,
    query_of,
    sign_in_rider,
)
from tests.factories.physicalgate import (  # noqa: F401
    GateDuty,
)
from tests.factories.principals import (  # noqa: F401
    RIDER_NAME,
    RIDER_PHONE,
    RIDER_PHOTO,
    STREET,
    STREET_CODE,
    Principals,
    build_principals,
)
from tests.factories.world import (  # noqa: F401
    World,
    build_world,
)
