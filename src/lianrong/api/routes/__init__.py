"""The API's routers, one module per feature; each route parses, calls one service and returns."""

from __future__ import annotations

from . import (audit, auth, calendar, credit, documents, financings, fragments, parties, payments, reports, settlement,
               vouchers)

ROUTERS = [m.router for m in (auth, parties, documents, credit, vouchers, fragments, financings, settlement,
                              payments, audit, reports, calendar)]
