"""The voucher issuing form's parsing: invoice rows and their allocations, checked as the core enterprise types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lianrong.documents import errors as documents_errors
from lianrong.kernel import errors
from lianrong.kernel.money import format_yuan
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import page_queries as voucher_page_queries
from lianrong.vouchers.page_queries import IssueInvoice
from lianrong.web.forms import Form
from lianrong.web.render import UI

#: invoice rows the prepare form offers at most (the service takes up to 100; more is a file import's job)
MAX_INVOICES = 20


_INVOICE_FIELD = re.compile(r"(?:invoice|allocation)_([0-9]{1,3})")


def _issue_ctx(
    ui: UI, form: Form | None = None, options: voucher_page_queries.IssueOptions | None = None
) -> dict[str, Any]:
    options = options or voucher_page_queries.issue_options(ui.ctx, actor=ui.actor)
    default_bank = options.banks[0].id if len(options.banks) == 1 else ""
    form = form or ui.blank(bank_id=default_bank, rows="1")
    return {
        "options": options,
        "bank_options": [(b.id, b.name) for b in options.banks],
        "invoice_options": [
            (
                i.id,
                f"{i.label} · {i.seller_name} · {i.contract_number} · "
                + ui.t("unallocated ¥%(amount)s", amount=format_yuan(i.free_fen)),
            )
            for i in options.invoices
        ],
        "form": form,
        "rows": _rows(form),
        "max_rows": MAX_INVOICES,
        "allocation": _allocation(form, _by_id(options)),
    }


def _by_id(options: voucher_page_queries.IssueOptions) -> dict[str, IssueInvoice]:
    return {i.id: i for i in options.invoices}


def _rows(form: Form) -> int:
    """How many invoice rows the form shows: as asked, and never fewer than the rows typed in."""
    try:
        asked = int(str(form.get("rows", "1")))
    except ValueError:
        asked = 1
    typed = [int(m.group(1)) for k, v in form.values.items() if (m := _INVOICE_FIELD.fullmatch(k)) and str(v).strip()]
    return min(max(asked, *typed, 1), MAX_INVOICES)


@dataclass(frozen=True)
class _Allocation:
    row: int
    invoice: IssueInvoice
    amount_fen: int


def _parse_invoices(form: Form, *, amount_fen: int | None, invoices: dict[str, IssueInvoice]) -> list[_Allocation]:
    """The chosen invoices and how much of each backs the voucher; refusals attach to the row's field.

    A single invoice with its allocation left blank backs the whole voucher amount.
    """
    chosen: list[tuple[int, IssueInvoice, int | None, bool]] = []
    seen: dict[str, int] = {}
    for i in range(1, _rows(form) + 1):
        iid = str(form.get(f"invoice_{i}")).strip()
        raw = str(form.get(f"allocation_{i}")).strip()
        if not iid and not raw:
            continue
        if not iid:
            form.text(f"invoice_{i}")
            continue
        inv = invoices.get(iid)
        if inv is None:
            form.fail(f"invoice_{i}", errors.NotFound("invoice", iid))
            continue
        if iid in seen:
            form.fail(f"invoice_{i}", vouchers_errors.InvoiceRepeated(invoice=inv.label, row=seen[iid]))
            continue
        seen[iid] = i
        first = chosen[0][1] if chosen else None
        if first is not None and inv.contract_id != first.contract_id:
            form.fail(
                f"invoice_{i}",
                vouchers_errors.InvoiceOtherContract(
                    invoice=inv.label,
                    contract=inv.contract_number,
                    row=chosen[0][0],
                    first=first.contract_number,
                ),
            )
            continue
        amount = form.yuan(f"allocation_{i}", required=False) if raw else None
        if amount is not None and amount > inv.free_fen:
            form.fail(
                f"allocation_{i}",
                documents_errors.InvoiceOverallocated(invoice=inv.label, available=inv.free_fen, requested=amount),
            )
        chosen.append((i, inv, amount, bool(raw)))
    if not chosen and "invoice_1" not in form.errors:
        form.text("invoice_1")
    out = []
    for row, inv, amount, typed in chosen:
        if not typed and len(chosen) == 1:
            amount = amount_fen  # one invoice, nothing typed: it backs the whole voucher
        elif not typed:
            form.text(f"allocation_{row}")
        if amount is not None:
            out.append(_Allocation(row, inv, amount))
    return out


def _allocation(form: Form, invoices: dict[str, IssueInvoice]) -> dict[str, Any]:
    """The allocations typed so far against the voucher amount (for the live check; the form is not marked)."""
    probe = Form(values=dict(form.values), lang=form.lang)
    amount = probe.yuan("amount", required=False)
    rows = _parse_invoices(probe, amount_fen=amount, invoices=invoices)
    allocated = sum(a.amount_fen for a in rows)
    return {
        "allocated_fen": allocated,
        "amount_fen": amount,
        "count": len(rows),
        "difference_fen": None if amount is None else allocated - amount,
        # what is wrong with what was typed; fields not filled in yet are no news
        "errors": {k: v for k, v in probe.errors.items() if v["code"] != "validation.required"},
    }
