"""The API's routers, one module per feature; each route parses, calls one service and returns."""

from __future__ import annotations

from lianrong.accounts import api as auth
from lianrong.calendar import api as calendar
from lianrong.credit import api as credit
from lianrong.documents import api as documents
from lianrong.financing import api as financings
from lianrong.parties import api as parties
from lianrong.parties import restrictions_api as restrictions
from lianrong.programme.blacklist import api as programme_blacklist
from lianrong.programme.chains import api as programme_chains
from lianrong.programme.targets import api as programme_targets
from lianrong.programme.whitelist import api as programme_whitelist
from lianrong.reporting import api as reports
from lianrong.settlement import api as settlement
from lianrong.settlement import payments_api as payments
from lianrong.vouchers import api as vouchers
from lianrong.vouchers import audit_api as audit
from lianrong.vouchers import fragments_api as fragments

ROUTERS = [
    m.router
    for m in (
        auth,
        parties,
        restrictions,
        documents,
        credit,
        vouchers,
        fragments,
        financings,
        settlement,
        payments,
        audit,
        reports,
        calendar,
        programme_chains,
        programme_blacklist,
        programme_whitelist,
        programme_targets,
    )
]
