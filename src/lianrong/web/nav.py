"""The side navigation of each console area (only pages that exist are listed): the persona view over the
features' pages (which live in `<feature>/console.py`)."""

from __future__ import annotations

from typing import Any

from lianrong.web.i18n import N_, gettext

# (path, label, data-testid); a path matches itself and, unless it is an area home, its sub-pages
NAV: dict[str, list[tuple[str, str, str]]] = {
    "core": [
        ("/core", N_("Overview"), "nav-core-home"),
        ("/core/suppliers", N_("Suppliers"), "nav-core-suppliers"),
        ("/core/contracts", N_("Contracts & invoices"), "nav-core-contracts"),
        ("/core/vouchers/new", N_("Issue a voucher"), "nav-core-issue"),
        ("/core/vouchers/pending", N_("Pending approval"), "nav-core-pending"),
        ("/core/vouchers", N_("Vouchers"), "nav-core-vouchers"),
        ("/core/payables", N_("Payables calendar"), "nav-core-payables"),
        ("/core/maturity", N_("Pay at maturity"), "nav-core-maturity"),
        ("/core/credit", N_("Credit archive"), "nav-core-credit"),
    ],
    "supplier": [
        ("/supplier", N_("My holdings"), "nav-supplier-holdings"),
        ("/supplier/financings", N_("My financings"), "nav-supplier-financings"),
        ("/supplier/contracts", N_("Contracts"), "nav-supplier-contracts"),
        ("/supplier/credit", N_("Credit archive"), "nav-supplier-credit"),
    ],
    "bank": [
        ("/bank", N_("Core enterprises & credit"), "nav-bank-home"),
        ("/bank/cores", N_("Core enterprise designation"), "nav-bank-cores"),
        ("/bank/credit-lines", N_("Credit lines"), "nav-bank-lines"),
        ("/bank/lpr", N_("LPR"), "nav-bank-lpr"),
        ("/bank/onboarding", N_("Customer onboarding"), "nav-bank-onboarding"),
        ("/bank/financings", N_("Financing review"), "nav-bank-financings"),
        ("/bank/vouchers", N_("Vouchers"), "nav-bank-vouchers"),
        ("/bank/splits", N_("Split monitoring"), "nav-bank-splits"),
        ("/bank/settlements", N_("Settlement batches"), "nav-bank-settlements"),
        ("/bank/confirmations", N_("Payment confirmations"), "nav-bank-confirmations"),
        ("/bank/overdue", N_("Overdue"), "nav-bank-overdue"),
        ("/bank/blacklist", N_("Black list"), "nav-bank-blacklist"),
        ("/bank/whitelist", N_("Core-enterprise white list"), "nav-bank-whitelist"),
        ("/bank/reports", N_("Monthly reports"), "nav-bank-reports"),
    ],
    "overseer": [
        ("/overview", N_("Programme overview"), "nav-overview-home"),
        ("/overview/vouchers", N_("Vouchers"), "nav-overview-vouchers"),
        ("/overview/splits", N_("Split monitoring"), "nav-overview-splits"),
        ("/overview/calendar", N_("Official holidays"), "nav-overview-calendar"),
        ("/programme/chains", N_("Industrial chains"), "nav-programme-chains"),
        ("/programme/blacklist", N_("Black list"), "nav-programme-blacklist"),
        ("/programme/whitelist", N_("Core-enterprise white list"), "nav-programme-whitelist"),
        ("/programme/targets", N_("2027 targets"), "nav-programme-targets"),
    ],
    "none": [],
}

_HOMES = {"/core", "/supplier", "/bank", "/overview"}


def nav_for(role: str, path: str) -> list[dict[str, Any]]:
    """The navigation items of an area, the best match for the current path marked active."""
    items = NAV.get(role, [])
    best = ""
    for href, _, _ in items:
        if (path == href or (href not in _HOMES and path.startswith(href + "/"))) and len(href) > len(best):
            best = href
    return [
        {"href": href, "label": gettext(label), "testid": testid, "active": href == best}
        for href, label, testid in items
    ]
