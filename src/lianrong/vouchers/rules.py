"""Every rule a transfer obeys, decided in one pure function over one typed facts record.

``decide_transfer(facts)`` either returns the plan (the children to create, each with its trade contract)
or raises the coded refusal. It is the only place a transfer's rules are decided:

- the Python path (``services.vouchers._transfer``) is loader → ``decide_transfer`` → writer, on SQLite
  and on PostgreSQL alike;
- PostgreSQL's server-side function (``transfer.sql`` beside this module) is a fast path only for the
  plain, happy case: it checks that every fact is ordinary and writes, or returns NULL and writes nothing.
  Whatever it declines goes to the Python path, which runs this function and names the refusal. So the
  function may be conservative (decline what this one would allow: the transfer then goes through Python),
  never the reverse;
- the ASGI hot path (``api/hot.py``) calls the service (the server-side function, then the Python path),
  never a rule of its own.

Precedence (each step refuses before the next is looked at; the tests in ``tests/unit/test_transfer_rules.py``
pin it):

1. the fragment in the sender's scope (else ``fragment.not_found``);
2. the voucher active (``state.invalid``); its issuer designated a core enterprise at its bank
   (``party.not_core``);
3. each recipient known (``enterprise.not_found``) and an enterprise (``party.wrong_kind``), in order;
4. the split (``domain.vouchers.plan_split``): holder = sender, fragment active, before maturity, at least
   one part, next tier within the maximum, each part a positive amount not to the sender, not listed
   twice, at least the minimum split, the parts not over the fragment, a remainder at least the minimum;
5. the sender not restricted from transferring (``party.restricted``);
6. per recipient, in order: not the issuer, a confirmed (``contract.unconfirmed``) non-cash
   (``contract.non_cash_not_agreed``) trade contract from the sender (``transfer.no_trade``), and not
   restricted from receiving at the voucher's bank (onboarding: ``onboarding.incomplete``; any other
   restriction: ``party.restricted``).

Group commit (many transfers in one commit, a later issue) fits this shape: a loader reading the facts of
many requests at once, this function per request, a writer for many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lianrong.documents import errors as documents_errors
from lianrong.kernel import errors
from lianrong.parties import errors as parties_errors
from lianrong.parties.restrictions import Action, Restriction, check_not_restricted
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v


@dataclass(frozen=True)
class FragmentFacts(v.FragmentState):
    """The fragment being spent (what the split rules read) and the trade it was received under."""

    contract_id: str | None = None  # the remainder keeps it


@dataclass(frozen=True)
class VoucherFacts:
    """What the rules need of the fragment's voucher."""

    id: str
    core_id: str
    bank_id: str
    bank_name: str
    status: str
    maturity_on: date


@dataclass(frozen=True)
class RecipientFacts:
    """One requested part: the recipient as named, the amount, and what is known of the recipient."""

    ref: str  # an id or a USCC, as the request named it
    amount_fen: int
    party_id: str | None = None  # None: names no party
    name: str = ""
    kind: str = ""
    #: the sender's newest confirmed non-cash contract with it (the named one, if a contract was named)
    trade_contract_id: str | None = None
    #: the number of a non-cash contract between them that is not yet confirmed, if any
    unconfirmed_contract: str | None = None
    #: whether any contract between them exists (cash or not; the named one, if named)
    any_contract: bool = False
    #: every restriction read for the party (and its onboarding, as ``restrictions.not_onboarded``)
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class TransferFacts:
    """Everything a transfer decides on, read at once (``services.vouchers.load_transfer_facts``)."""

    fragment: FragmentFacts
    voucher: VoucherFacts
    sender_id: str
    sender_name: str
    #: False when the fragment is held by another and lies outside the sender's scope (``scope``)
    fragment_in_scope: bool
    #: the core's financing parameters with the sender's ledger overrides; None when not designated
    params: v.FinancingParams | None
    recipients: tuple[RecipientFacts, ...]
    today: date
    #: every restriction read for the sender
    sender_restrictions: tuple[Restriction, ...] = field(default=())


@dataclass(frozen=True)
class PlannedChild:
    """A fragment the transfer creates: recipients' first, in order, then the remainder to the sender."""

    holder_id: str
    amount_fen: int
    tier: int
    contract_id: str | None


def decide_transfer(facts: TransferFacts) -> list[PlannedChild]:
    """Every rule of a transfer (see the module docstring for the order); the children to create."""
    fragment, voucher = facts.fragment, facts.voucher
    if not facts.fragment_in_scope:  # before any rule: a fragment outside the sender's scope is not found
        raise errors.NotFound("fragment", fragment.id)
    if voucher.status != "active":
        raise errors.InvalidState(entity="voucher", state=voucher.status, action="transfer")
    if facts.params is None:
        raise parties_errors.NotCoreEnterprise(party=voucher.core_id, bank=voucher.bank_id)
    recipients: list[tuple[RecipientFacts, str]] = []
    for r in facts.recipients:
        if r.party_id is None:
            raise errors.NotFound("enterprise", r.ref)
        if r.kind != "enterprise":
            raise errors.WrongPartyKind(party=r.name, expected="enterprise")
        recipients.append((r, r.party_id))
    children = v.plan_split(
        fragment=fragment,
        sender_id=facts.sender_id,
        parts=[v.Part(pid, r.amount_fen) for r, pid in recipients],
        params=facts.params,
        today=facts.today,
        maturity=voucher.maturity_on,
    )
    if facts.sender_restrictions:
        check_not_restricted(
            facts.sender_restrictions,
            party_name=facts.sender_name,
            action=Action.TRANSFER,
            bank_id=voucher.bank_id,
            bank_name=voucher.bank_name,
            today=facts.today,
        )
    contracts: dict[str, str | None] = {}
    for r, pid in recipients:
        if pid == voucher.core_id:
            raise errors.ValidationFailed(
                reason="a voucher cannot be transferred back to its issuer / 凭据不能转回签发企业"
            )
        if r.trade_contract_id is None:
            if r.unconfirmed_contract is not None:
                # a contract names its other party only once that party has confirmed it
                raise documents_errors.ContractUnconfirmed(contract=r.unconfirmed_contract)
            if r.any_contract:
                # 保障中小企业款项支付条例: a voucher pays only a trade that agreed to non-cash payment
                raise documents_errors.NonCashNotAgreed()
            raise vouchers_errors.NoTrade(sender=facts.sender_name, recipient=r.name)
        if r.restrictions:
            check_not_restricted(
                r.restrictions,
                party_name=r.name,
                action=Action.RECEIVE,
                bank_id=voucher.bank_id,
                bank_name=voucher.bank_name,
                today=facts.today,
            )
        contracts[pid] = r.trade_contract_id
    return [
        PlannedChild(
            c.holder_id, c.amount_fen, c.tier, contracts[c.holder_id] if c.to_recipient else fragment.contract_id
        )
        for c in children
    ]
