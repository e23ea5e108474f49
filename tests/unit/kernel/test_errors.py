"""Errors (kernel/errors.py and each feature's errors.py): one hierarchy, unique stable codes, complete zh and en messages."""

from __future__ import annotations

import ast
import inspect
import json
import re
import string
from pathlib import Path

import pytest

from lianrong.accounts import errors as accounts_errors
from lianrong.api.errors import http_status
from lianrong.calendar import errors as calendar_errors
from lianrong.credit import errors as credit_errors
from lianrong.documents import errors as documents_errors
from lianrong.financing import errors as financing_errors
from lianrong.kernel import errors
from lianrong.parties import errors as parties_errors
from lianrong.programme.chains import errors as chains_errors
from lianrong.settlement import errors as settlement_errors
from lianrong.vouchers import errors as vouchers_errors

#: the kernel's errors and each feature's
MODULES = (
    errors,
    accounts_errors,
    calendar_errors,
    credit_errors,
    documents_errors,
    financing_errors,
    parties_errors,
    chains_errors,
    settlement_errors,
    vouchers_errors,
)

SRC = Path(errors.__file__).resolve().parents[1]

ALL = sorted(
    (
        c
        for m in MODULES
        for c in vars(m).values()
        if inspect.isclass(c) and issubclass(c, errors.LianRongError) and c is not errors.LianRongError
    ),
    key=lambda c: c.__name__,
)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def typical(cls: type[errors.LianRongError]) -> errors.LianRongError:
    """An instance with a plausible value for every field its templates use."""
    if cls is errors.NotFound:
        return cls("fragment", "frg_01ABC")
    sample = {
        "amount": 1000_00,
        "available": 500_00,
        "requested": 600_00,
        "limit": 10**8,
        "occupied": 5,
        "principal": 900_01,
        "days": 400,
        "max_days": 365,
        "tier": 11,
        "max_tier": 10,
        "total": 1,
        "minimum": 100_00,
        "entity": "invoice",
    }
    details = {name: sample.get(name, f"<{name}>") for name in fields(cls.zh) | fields(cls.en)}
    return cls(**details)


def test_every_error_is_a_lianrong_error_and_an_exception():
    assert len(ALL) >= 40
    for cls in ALL:
        assert issubclass(cls, Exception)


def test_codes_are_unique_and_well_formed():
    codes = {}
    for cls in ALL:
        code = typical(cls).code
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", code), (cls.__name__, code)
        assert code not in codes, f"{cls.__name__} reuses {codes.get(code)}'s code {code}"
        codes[code] = cls.__name__


def test_codes_are_stable():
    """Released codes never change: clients and the API contract depend on them."""
    expected = {
        "ValidationFailed": "validation.failed",
        "Forbidden": "auth.forbidden",
        "Conflict": "conflict",
        "AmountNotPositive": "amount.not_positive",
        "AmountFractionalFen": "amount.fractional_fen",
        "AmountTooLarge": "amount.too_large",
        "AmountMalformed": "amount.malformed",
        "InvalidUSCC": "party.uscc_invalid",
        "InvalidInvoiceNumber": "invoice.number_invalid",
        "InvalidRate": "rate.invalid",
        "InvalidDate": "date.invalid",
        "NotOnboarded": "onboarding.incomplete",
        "NotCoreEnterprise": "party.not_core",
        "NotInLedger": "party.not_in_ledger",
        "WrongPartyKind": "party.wrong_kind",
        "InvalidParameter": "params.invalid",
        "InvoicePartyMismatch": "invoice.party_mismatch",
        "InvoiceOverallocated": "invoice.overallocated",
        "InvoiceExceedsContract": "invoice.exceeds_contract",
        "ContractMismatch": "contract.mismatch",
        "AttachmentRejected": "attachment.rejected",
        "NoCreditLine": "credit.no_line",
        "CreditExceeded": "credit.exceeded",
        "MaturityInPast": "issue.maturity_past",
        "TermOverOneYear": "issue.term_over_one_year",
        "LongTermNeedsReason": "issue.long_term_reason_required",
        "LongTermNeedsBankApproval": "issue.long_term_bank_approval_required",
        "IssuerDefaulted": "issue.issuer_defaulted",
        "SameUser": "approval.same_user",
        "InvalidState": "state.invalid",
        "AmountExceedsInvoices": "issue.exceeds_invoices",
        "FragmentNotActive": "fragment.not_active",
        "NotHolder": "fragment.not_holder",
        "TransferToSelf": "transfer.to_self",
        "NoTrade": "transfer.no_trade",
        "BelowMinimum": "transfer.below_minimum",
        "TierExceeded": "transfer.tier_exceeded",
        "SplitSumMismatch": "transfer.sum_mismatch",
        "Matured": "fragment.matured",
        "FinancingRatioExceeded": "financing.ratio_exceeded",
        "FinancingTermExceeded": "financing.term_exceeded",
        "FinancingMixedCores": "financing.mixed_core",
        "RegistrationRequired": "financing.registration_required",
        "ChecklistIncomplete": "financing.checklist_incomplete",
        "NoRate": "rate.missing",
        "IdempotencyConflict": "idempotency.conflict",
        "IdempotencyKeyMissing": "idempotency.key_missing",
        "PaymentFileInvalid": "payments.file_invalid",
        "AuditFileInvalid": "audit.file_invalid",
        "NonCashNotAgreed": "contract.non_cash_not_agreed",
        "AllocationMismatch": "issue.allocation_mismatch",
        "InvoiceRepeated": "issue.invoice_repeated",
        "InvoiceOtherContract": "issue.invoice_other_contract",
        "NotAWholeNumber": "input.not_integer",
        "PartyRestricted": "party.restricted",
        "PercentMalformed": "input.percent_malformed",
        "OutOfRange": "input.out_of_range",
    }
    actual = {cls.__name__: cls.code for cls in ALL if isinstance(cls.__dict__.get("code"), str)}
    for name, code in expected.items():
        assert actual.get(name) == code, name


def test_entity_errors_carry_the_entity_in_their_code():
    assert errors.NotFound("fragment", "frg_x").code == "fragment.not_found"
    assert errors.NotFound("voucher", "vch_x").code == "voucher.not_found"
    assert errors.AlreadyExists(entity="invoice", key="1").code == "invoice.exists"
    assert errors.AlreadyExists(key="1").code == "record.exists"
    nf = errors.NotFound("credit_line", "crl_1")
    assert nf.message_zh == "未找到授信额度：crl_1" and nf.message_en == "credit_line not found: crl_1"
    exists = errors.AlreadyExists(entity="credit_line", key="2026")
    assert exists.message_zh == "授信额度已存在：2026" and exists.message_en == "credit_line already exists: 2026"
    assert exists.details["entity"] == "credit_line"


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_messages_format_completely_in_both_languages(cls):
    err = typical(cls)
    zh, en = err.message_zh, err.message_en
    assert zh.strip() and en.strip()
    assert not _PLACEHOLDER.search(zh), zh
    assert not _PLACEHOLDER.search(en), en
    assert _CJK.search(zh), f"{cls.__name__} has no Chinese message: {zh}"
    assert not _CJK.search(en), f"{cls.__name__}'s English message is not English: {en}"
    assert err.code in str(err)
    body = err.to_dict()
    assert set(body) == {"code", "message_zh", "message_en", "details"}
    json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_templates_use_the_same_fields_in_both_languages(cls):
    zh = {"entity" if f == "entity_zh" else f for f in fields(cls.zh)}  # NotFound names the entity in Chinese
    assert zh == fields(cls.en), cls.__name__


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_refusal_maps_to_a_client_error_status(cls):
    # a refusal is the caller's to fix or retry, never a server fault
    exc = cls.__new__(cls)
    exc.details = {}
    assert 400 <= http_status(exc) < 500


def test_details_that_are_not_json_become_text():
    from datetime import date
    from decimal import Decimal

    body = errors.AmountFractionalFen(value=Decimal("0.001")).to_dict()
    assert body["details"] == {"value": "0.001"}
    body = errors.InvalidDate(value=date(2027, 1, 1), extra=[Decimal("1"), {"k": date(2027, 1, 2)}]).to_dict()
    assert body["details"] == {"value": "2027-01-01", "extra": ["1", {"k": "2027-01-02"}]}


def test_a_missing_detail_stays_visible_instead_of_crashing():
    err = credit_errors.CreditExceeded(limit=1)
    assert "{occupied}" in err.message_en  # visible, so the raise site test below can catch it


def _raise_sites():
    classes = {c.__name__: c for c in ALL}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name in classes:
                yield path.relative_to(SRC.parent), node, classes[name]


def test_every_raise_site_passes_every_field_its_messages_need():
    """Scan the source: each ``SomeError(...)`` call gives all the fields of its zh and en templates."""
    missing, seen = [], 0
    for where, node, cls in _raise_sites():
        if any(k.arg is None for k in node.keywords):  # **details: cannot tell statically
            continue
        seen += 1
        given = {k.arg for k in node.keywords}
        if cls is errors.NotFound and len(node.args) >= 2:
            given |= {"entity", "id", "entity_zh"}
        lacking = (fields(cls.zh) | fields(cls.en)) - given
        if lacking:
            missing.append(f"{where}:{node.lineno} {cls.__name__} lacks {sorted(lacking)}")
    assert seen > 50
    assert not missing, "\n".join(missing)
