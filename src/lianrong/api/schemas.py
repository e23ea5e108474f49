"""Request and response schemas of the HTTP API: ``XCreate`` (a request body), ``XRead`` (one record),
``XPage`` (``{items, total, limit, offset}``).

Amounts are integer fen (``*_fen``), dates ISO ``YYYY-MM-DD``, rates decimal fractions as strings
(``"0.0350"``). Read models name the fields clients rely on and let the services' further fields through
(``extra="allow"``), so a new column never breaks a client or the schema check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, computed_field

from lianrong.financing.model import REGISTRATION_NO_MAX, REGISTRATION_NO_MIN
from lianrong.kernel.money import MAX_FEN

# --- field types ---------------------------------------------------------------------------------

#: ids (``vch_01…``) and party references (an id or a 统一社会信用代码)
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
PartyRef = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
#: free text: no NUL (PostgreSQL refuses it in text), bounded length
_TEXT = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 1) -> Any:
    """A bounded free-text field type."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=_TEXT)]


Fen = Annotated[int, Field(strict=True, ge=1, le=MAX_FEN, description="amount in fen (分), a positive integer")]
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
Ratio = Annotated[Decimal, Field(gt=0, le=1, max_digits=12, decimal_places=8,
                                 description="a fraction in (0, 1], e.g. 0.9")]
Spread = Annotated[Decimal, Field(ge=Decimal("-0.05"), le=Decimal("0.5"), max_digits=12, decimal_places=8,
                                  description="added to the LPR, as a fraction, e.g. 0.0050")]
Day = Annotated[dt.date, Field(ge=dt.date(1990, 1, 1), le=dt.date(2199, 12, 31))]
#: a 中登网 registration number: the limits of ``domain.financing.check_registration_no``
RegistrationNo = text(REGISTRATION_NO_MAX, min_length=REGISTRATION_NO_MIN)


def _in_range(value: dt.datetime) -> dt.datetime:
    if not dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc) <= value <= dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc):
        raise ValueError("must be between 1990 and 2199")
    return value


#: a moment with its time zone (``2026-11-26T10:00:00+08:00``)
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]

PartyKind = Literal["enterprise", "bank", "district", "chain_office", "guarantor"]
Role = Literal["operator", "approver", "viewer", "admin"]
VoucherStatus = Literal["pending", "active", "settled", "overdue", "rejected"]
FinancingStatus = Literal["applied", "approved", "rejected", "disbursed", "repaid", "overdue"]
PaymentStatus = Literal["pending", "confirmed", "failed"]
PaymentKind = Literal["disbursement", "settlement", "surplus"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


T = TypeVar("T")


class Page(_Out, Generic[T]):
    """One page of a list: ``items`` of at most ``limit``, from ``offset``, of ``total``."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorRead(BaseModel):
    """The one error body: a stable code, Chinese and English messages, and details."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


# --- auth ----------------------------------------------------------------------------------------


class LoginCreate(_In):
    username: text(80)
    password: text(200)


class MeRead(_Out):
    user_id: str
    username: str
    display_name: str
    role: str
    party_id: str
    party_name: str
    party_kind: str
    is_core: bool
    auth: Literal["session", "bearer"]


class LoginRead(_Out):
    user: MeRead
    csrf_token: str
    expires_at: dt.datetime


class TokenCreate(_In):
    name: text(80)


class TokenCreated(_Out):
    id: str
    name: str
    token: str = Field(description="the bearer secret (lrt_…), shown this once only")


class TokenRevoked(_Out):
    id: str
    revoked: bool


class TokenRead(_Out):
    """One of the caller's API tokens: never its secret, nor the secret's hash."""

    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    active: bool = Field(description="not revoked")


class TokenPage(Page[TokenRead]):
    pass


# --- parties -------------------------------------------------------------------------------------


class PartyCreate(_In):
    kind: PartyKind
    uscc: Annotated[str, StringConstraints(min_length=15, max_length=24, pattern=r"^[0-9A-Za-z -]+$")]
    name: text(200)
    short_name: text(60) | None = None


class PartyRead(_Out):
    id: str
    kind: str
    uscc: str
    name: str
    short_name: str | None = None
    defaulted_on: dt.date | None = None


class PartyPage(Page[PartyRead]):
    pass


class UserCreate(_In):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")]
    display_name: text(120)
    role: Role
    password: text(200, min_length=10) | None = Field(None, description="a first password (≥ 10, letters and digits)")


class UserRead(_Out):
    id: str
    party_id: str
    username: str
    role: str


class UserDetail(UserRead):
    """A user of the caller's organisation, as its admin and approvers see it (never a password hash)."""

    display_name: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None
    locked_until: dt.datetime | None = Field(None, description="set while the account is locked after failed logins")


class UserPage(Page[UserDetail]):
    pass


class OnboardingCreate(_In):
    party: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    settlement_account: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,40}$")] | None = None
    ebanking: bool = False
    certificate: text(60) | None = None


class OnboardingRead(_Out):
    bank_id: str
    party_id: str
    complete: bool
    settlement_account: str | None = None
    ebanking: bool
    certificate: str | None = None


class _Params(_In):
    max_ratio: Ratio | None = None
    max_term_days: Annotated[int, Field(strict=True, ge=1, le=3660)] | None = None
    min_split_fen: Fen | None = None
    max_tier: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    spread: Spread | None = None


class DesignationCreate(_Params):
    core: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")


class DesignationRead(_Out):
    bank_id: str
    core_id: str
    designated_on: dt.date | None = None
    max_ratio: str
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: str


class DesignationPage(Page[DesignationRead]):
    pass


class LedgerEntryCreate(_Params):
    supplier: PartyRef


class LedgerCreate(_In):
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    suppliers: Annotated[list[LedgerEntryCreate], Field(min_length=1, max_length=1000)]


class LedgerRead(_Out):
    bank_id: str
    core_id: str
    suppliers: list[str]


class LprCreate(_In):
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    effective_on: Day
    rate: Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[0-9.%％ ]+$")] = Field(
        description='annual rate, "3.45%" or "0.0345"')


class LprRead(_Out):
    bank_id: str
    effective_on: dt.date
    rate: str


class LprEntryRead(LprRead):
    """One LPR entry of a bank, and where it stands today."""

    state: Literal["in_force", "future", "past"] = Field(
        description="in_force: prices financings today; future: scheduled; past: superseded")


class LprPage(Page[LprEntryRead]):
    pass


# --- documents -----------------------------------------------------------------------------------


class AttachmentRead(_Out):
    sha256: str
    size: int
    reused: bool


class ContractCreate(_In):
    buyer: PartyRef
    seller: PartyRef
    number: text(60)
    amount_fen: Fen
    signed_on: Day
    due_on: Day
    non_cash_agreed: bool = Field(description="the contract agrees to non-cash payment (vouchers included)")
    attachments: Annotated[list[Sha256], Field(max_length=50)] = []


class ContractRead(_Out):
    id: str
    number: str
    buyer_id: str
    seller_id: str
    amount_fen: int
    signed_on: dt.date
    due_on: dt.date
    non_cash_agreed: bool
    recorded_by: str | None = Field(None, description="the party that recorded it; the other one confirms it")
    confirmed_at: dt.datetime | None = Field(None, description="when the other party confirmed it")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["confirmed", "unconfirmed"]:
        """``unconfirmed`` until the party that did not record the contract confirms it."""
        return "confirmed" if self.confirmed_at is not None else "unconfirmed"


class ContractPage(Page[ContractRead]):
    pass


class InvoiceCreate(_In):
    number: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z -]+$")]
    code: Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9A-Za-z -]*$")] | None = None
    amount_fen: Fen
    issued_on: Day
    attachments: Annotated[list[Sha256], Field(max_length=50)] = []


class InvoiceRead(_Out):
    id: str
    contract_id: str
    code: str = Field("", description="the legacy invoice code; empty for a 数电票")
    number: str
    amount_fen: int
    issued_on: dt.date


class AttachmentRef(_Out):
    owner: str
    owner_id: str
    sha256: str
    filename: str
    media_type: str


class TradeDocumentsRead(_Out):
    contract: ContractRead
    invoices: list[InvoiceRead]
    attachments: list[AttachmentRef]


# --- credit --------------------------------------------------------------------------------------


class CreditLineCreate(_In):
    core: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    limit_fen: Fen
    valid_from: Day
    valid_to: Day


class CreditLineRead(_Out):
    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    occupied_fen: int = 0
    available_fen: int | None = None
    valid_from: dt.date
    valid_to: dt.date


class CreditLinePage(Page[CreditLineRead]):
    pass


# --- vouchers and fragments ----------------------------------------------------------------------


class InvoiceAllocation(_In):
    invoice_id: Id
    amount_fen: Fen


class VoucherCreate(_In):
    bank: PartyRef
    supplier: PartyRef
    contract_id: Id
    invoices: Annotated[list[InvoiceAllocation], Field(min_length=1, max_length=100)]
    amount_fen: Fen
    maturity_on: Day
    long_term_reason: text(500) | None = Field(None, description="why a term over six months (77号)")


class VoucherPrepared(_Out):
    id: str
    number: str
    status: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    requested_maturity: dt.date | None = Field(None, description="the maturity asked for, before rolling to a "
                                                                 "working day")
    maturity_official: bool
    long_term: bool
    warnings: list[str]
    core_id: str
    supplier_id: str
    bank_id: str


class VoucherRead(_Out):
    id: str
    number: str
    core_id: str
    bank_id: str
    supplier_id: str
    contract_id: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    status: str


class VoucherPage(Page[VoucherRead]):
    pass


class VoucherInvoiceRead(_Out):
    invoice_id: str
    amount_fen: int


class VoucherDetail(VoucherRead):
    warnings: list[str] = []
    invoices: list[VoucherInvoiceRead]
    amounts_by_status: dict[str, int]


class VoucherIssued(_Out):
    id: str
    number: str
    status: str
    root_fragment_id: str
    holder_id: str
    face_fen: int
    maturity_on: dt.date


class VoucherRejectCreate(_In):
    reason: text(500)


class VoucherStateRead(_Out):
    id: str
    status: str | None = None
    bank_approved_by: str | None = None


class FragmentNode(_Out):
    id: str
    parent_id: str | None
    depth: int = Field(description="levels below the root (the root: 0)")
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: str


class VoucherTree(_Out):
    """The tree flat, so that it reads at any depth: ``nodes`` depth-first from the root (a part before its
    children, siblings oldest first); a node's children are the nodes whose ``parent_id`` is its id."""

    voucher: VoucherRead
    root: str | None = Field(description="the root fragment's id; null before issuance")
    fragments: int
    depth: int = Field(description="the deepest node's depth")
    nodes: list[FragmentNode]


class FragmentRead(_Out):
    id: str
    voucher_id: str
    parent_id: str | None = None
    holder_id: str
    amount_fen: int
    tier: int
    status: str


class HoldingRead(FragmentRead):
    number: str
    maturity_on: dt.date
    issuer: str


class HoldingPage(Page[HoldingRead]):
    pass


class TransferPart(_In):
    recipient: PartyRef
    amount_fen: Fen
    contract_id: Id | None = None


class TransferCreate(_In):
    parts: Annotated[list[TransferPart], Field(min_length=1, max_length=100)]

    def service_parts(self) -> list[dict]:
        """The parts as ``vouchers.transfer`` takes them."""
        return [p.model_dump(exclude_none=True) for p in self.parts]


class TransferChild(_Out):
    id: str
    holder_id: str
    amount_fen: int
    tier: int


class TransferRead(_Out):
    spent_fragment_id: str
    voucher_id: str
    children: list[TransferChild]


class LineageVoucher(_Out):
    id: str
    number: str
    core_id: str
    core_name: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    status: str


class LineageStep(_Out):
    id: str
    parent_id: str | None
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: str
    contract_id: str | None = None
    trade: TradeDocumentsRead | None = None


class LineageRead(_Out):
    voucher: LineageVoucher
    path: list[LineageStep]


# --- financing -----------------------------------------------------------------------------------


class FinancingCreate(_In):
    fragment_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    bank: PartyRef | None = Field(None, description="default: the voucher's bank")
    principal_fen: Fen | None = Field(None, description="default: the most the financing ratio allows")


class PreviewRead(_Out):
    core_id: str
    face_fen: int
    principal_fen: int
    ratio: str
    lpr: str
    spread: str
    annual_rate: str
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


class FinancingApplied(_Out):
    id: str
    status: str
    bank_id: str
    applicant_id: str
    face_fen: int
    principal_fen: int
    annual_rate: str
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


class FinancingRead(_Out):
    id: str
    core_id: str
    bank_id: str
    applicant_id: str
    status: str
    face_fen: int
    principal_fen: int
    annual_rate: str
    applied_on: dt.date
    financing_on: dt.date | None = None
    maturity_on: dt.date
    days: int
    interest_fen: int
    net_fen: int
    registration_no: str | None = None


class FinancingPage(Page[FinancingRead]):
    pass


class FinancingDetail(FinancingRead):
    checklist: dict[str, bool] = {}
    fragments: list[FragmentRead]
    documents: list[TradeDocumentsRead]


class Checklist(_In):
    contract: bool = False
    invoices: bool = False
    documents: bool = False


class ReviewCreate(_In):
    approve: bool
    checklist: Checklist = Checklist()
    reason: text(500) | None = None
    registration_no: RegistrationNo | None = Field(None, description="中登网 registration number, if already made")
    registered_at: Moment | None = None


class ReviewRead(_Out):
    id: str
    status: str
    checklist: dict[str, bool] | None = None


class RegistrationCreate(_In):
    registration_no: RegistrationNo
    registered_at: Moment | None = Field(None, description="default: now")


class RegistrationRead(_Out):
    id: str
    registration_no: str
    registered_at: dt.datetime


class DisbursementRead(_Out):
    id: str
    status: str
    financing_on: dt.date
    days: int
    principal_fen: int
    interest_fen: int
    net_fen: int
    instruction_id: str
    instruction_status: str


# --- settlement, payments, audit -----------------------------------------------------------------


class SettlementCreate(_In):
    date: Day | None = Field(None, description="maturity date to settle (default: today)")


class SettlementRead(_Out):
    date: dt.date
    vouchers: int
    instructions: int
    confirmed: int
    failed: int
    pending: int
    overdue: list[str]
    errors: list[dict[str, Any]]


class PaymentRead(_Out):
    id: str
    kind: str
    voucher_id: str | None = None
    fragment_id: str | None = None
    financing_id: str | None = None
    payer_id: str
    payee_id: str
    payee_account: str | None = None
    bank_id: str
    amount_fen: int
    value_on: dt.date
    status: str
    reference: str | None = None


class PaymentPage(Page[PaymentRead]):
    pass


class ConfirmationsRead(_Out):
    applied: int
    confirmed: int
    failed: int
    unchanged: int = Field(0, description="rows of instructions already confirmed or failed (left as they are)")


class CalendarDayRead(_Out):
    day: dt.date
    kind: Literal["holiday", "workday"] = Field(description="holiday: a day off; workday: a make-up working day")
    workday: bool
    name: str | None = None


class CalendarDayPage(Page[CalendarDayRead]):
    pass


class MaturityChangeRead(_Out):
    id: str
    number: str
    status: str
    requested_maturity: dt.date
    maturity_on: dt.date = Field(description="the stored maturity (kept)")
    would_be: dt.date = Field(description="where the requested date rolls under the official days now loaded")


class CalendarLoadRead(_Out):
    rows: int
    inserted: int
    updated: int
    unchanged: int
    first: dt.date
    last: dt.date
    vouchers: list[MaturityChangeRead] = Field(description="open vouchers whose maturity would now roll to "
                                                           "another day; their maturity is not changed")


class Violation(_Out):
    invariant: int
    ref: str
    message_en: str
    message_zh: str


class AuditRead(_Out):
    ok: bool
    violation: Violation | None
    counts: dict[str, int]


# --- reports ---------------------------------------------------------------------------------------

SplitFindingCode = Literal["depth_near_limit", "many_parts", "rapid_splitting", "round_trip"]


class SplitFinding(_Out):
    """Something unusual in a voucher's splitting; further fields name the details (tier, holder_id, on, …)."""

    code: SplitFindingCode
    message_zh: str
    message_en: str


class SplitWatchRead(_Out):
    """One voucher of the split report (77号: split depth and unusual splitting)."""

    voucher_id: str
    number: str
    core_id: str
    core_name: str
    bank_id: str
    status: VoucherStatus
    face_fen: int
    maturity_on: dt.date
    fragments: int
    transfers: int
    max_tier: int
    allowed_tier: int | None
    depth: int
    active_parts: int
    smallest_active_fen: int | None
    findings: list[SplitFinding]


class SplitSummary(_Out):
    vouchers: int
    flagged: int
    findings_by_code: dict[str, int]


class SplitLimits(_Out):
    tier_margin: int
    max_fragments: int
    daily_transfers: int


class SplitReportPage(Page[SplitWatchRead]):
    """A page of the report, with the summary of the whole selection and the deployment's thresholds."""

    summary: SplitSummary
    limits: SplitLimits
