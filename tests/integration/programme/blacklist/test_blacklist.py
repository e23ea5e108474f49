"""The black list end to end: maker–checker listing, restrictions through the engine's one mechanism (every
refusal names the entry), removal lifting them, principals, the overdue job and the credit archive."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key
from ledger_asserts import refuses, row
from programme_factories import Programme
from sqlalchemy import select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.documents import attachments
from lianrong.kernel import errors
from lianrong.parties import restricting
from lianrong.platform.context import SYSTEM
from lianrong.programme.blacklist import queries
from lianrong.programme.blacklist import service as blacklist

ID_NO = "11010519491231002X"


def _list(world, prog, org: str, severity: str, *, source: str = "court", reason: str = "失信被执行人") -> str:
    op, ap = prog.user("district", "operator"), prog.user("district", "approver")
    e = blacklist.propose(
        world.ctx,
        actor=op,
        subject="enterprise",
        party=world.ids[org],
        source=source,
        severity=severity,
        reason=reason,
        idempotency_key=key(),
    )
    assert e.status == "proposed"
    listed = blacklist.decide(world.ctx, actor=ap, entry_id=e.id, approve=True, idempotency_key=key())
    assert listed.status == "listed"
    return e.id


def _restrictions(ctx, entry_id: str):
    return restricting.restrictions(ctx, viewer=SYSTEM, source=f"blacklist:{entry_id}")


def test_listing_is_maker_checker_and_writes_one_restriction_per_barred_action(world):
    prog = Programme(world)
    op, ap = prog.user("district", "operator"), prog.user("district", "approver")
    e = blacklist.propose(
        world.ctx,
        actor=op,
        subject="enterprise",
        party=world.ids["s2"],
        source="tax",
        severity="serious",
        reason="重大税收违法",
        idempotency_key=key(),
    )
    assert _restrictions(world.ctx, e.id) == []  # proposed: nothing bars yet
    refuses(
        world.ctx,
        "auth.forbidden",
        blacklist.decide,
        world.ctx,
        actor=op,
        entry_id=e.id,
        approve=True,
        idempotency_key=key(),
    )
    own = blacklist.propose(
        world.ctx,
        actor=ap,
        subject="enterprise",
        party=world.ids["s4"],
        source="tax",
        severity="minor",
        reason="r",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "blacklist.same_user",
        blacklist.decide,
        world.ctx,
        actor=ap,
        entry_id=own.id,
        approve=True,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        blacklist.decide,
        world.ctx,
        actor=world.user("core", "approver"),
        entry_id=e.id,
        approve=True,
        idempotency_key=key(),
    )
    k = key()
    blacklist.decide(world.ctx, actor=ap, entry_id=e.id, approve=True, idempotency_key=k)
    again = blacklist.decide(world.ctx, actor=ap, entry_id=e.id, approve=True, idempotency_key=k)  # a replay
    assert again.status == "listed"
    rs = _restrictions(world.ctx, e.id)
    assert sorted(r.action for r in rs) == sorted(world.ctx.policy.programme.effects("serious"))
    assert {(r.kind, r.party_id, r.reason) for r in rs} == {("blacklist", world.ids["s2"], "重大税收违法")}
    refuses(
        world.ctx,
        "blacklist.state_invalid",
        blacklist.decide,
        world.ctx,
        actor=ap,
        entry_id=e.id,
        approve=False,
        reason="x",
        idempotency_key=key(),
    )
    detail = queries.entry(world.ctx, viewer=op, entry_id=e.id)
    assert [s.action for s in detail.steps] == ["propose", "list"]


def test_a_rejected_entry_bars_nothing_and_a_duplicate_is_refused(world):
    prog = Programme(world)
    op, ap = prog.user("district", "operator"), prog.user("district", "approver")
    args = dict(subject="enterprise", party=world.ids["s3"], source="court", severity="minor", reason="r")
    e = blacklist.propose(world.ctx, actor=op, idempotency_key=key(), **args)
    refuses(
        world.ctx, "blacklist.already_listed", blacklist.propose, world.ctx, actor=op, idempotency_key=key(), **args
    )
    refuses(
        world.ctx,
        "blacklist.input_invalid",
        blacklist.decide,
        world.ctx,
        actor=ap,
        entry_id=e.id,
        approve=False,
        idempotency_key=key(),
    )
    r = blacklist.decide(world.ctx, actor=ap, entry_id=e.id, approve=False, reason="证据不足", idempotency_key=key())
    assert r.status == "rejected" and _restrictions(world.ctx, e.id) == []
    blacklist.propose(world.ctx, actor=op, idempotency_key=key(), **args)  # may be proposed again


def test_a_blacklisted_recipient_is_refused_a_transfer_naming_the_entry(world):
    root = world.issue(1000_00)
    entry_id = _list(world, Programme(world), "s2", "serious")
    err = refuses(world.ctx, "party.restricted", world.transfer, root, "s1", [("s2", 400_00)])
    assert err.details["source"] == f"blacklist:{entry_id}"
    assert f"blacklist:{entry_id}" in err.message_en and f"blacklist:{entry_id}" in err.message_zh


def test_a_gravely_listed_holder_may_not_transfer(world):
    root = world.issue(1000_00)
    entry_id = _list(world, Programme(world), "s1", "grave")
    err = refuses(world.ctx, "party.restricted", world.transfer, root, "s1", [("s2", 400_00)])
    assert err.details["source"] == f"blacklist:{entry_id}" and err.details["action"] == "transfer"


def test_a_blacklisted_core_is_refused_issuing_and_removal_lifts_it(world):
    prog = Programme(world)
    v = world.prepare(1000_00)
    entry_id = _list(world, prog, "core", "serious")
    from lianrong.vouchers import issuance

    inv = world.invoice(1000_00)
    err = refuses(world.ctx, "party.restricted", world.prepare, 1000_00, invoice=inv)
    assert err.details["source"] == f"blacklist:{entry_id}" and err.details["action"] == "issue"
    err = refuses(
        world.ctx,
        "party.restricted",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    assert err.details["source"] == f"blacklist:{entry_id}"
    ap = prog.user("district", "approver")
    refuses(
        world.ctx,
        "blacklist.input_invalid",
        blacklist.remove,
        world.ctx,
        actor=ap,
        entry_id=entry_id,
        reason=" ",
        idempotency_key=key(),
    )
    removed = blacklist.remove(
        world.ctx, actor=ap, entry_id=entry_id, reason="法院已屏蔽失信信息", idempotency_key=key()
    )
    assert removed.status == "removed" and removed.removed_on == world.ctx.clock.today()
    assert all(r.lifted for r in _restrictions(world.ctx, entry_id))
    world.ctx.clock.day = world.ctx.clock.today() + dt.timedelta(days=1)  # lifting ends it yesterday
    issuance.approve(world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=key())


def test_a_blacklisted_supplier_is_refused_financing(world):
    root = world.issue(1000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    entry_id = _list(world, Programme(world), "s2", "minor")
    err = refuses(world.ctx, "party.restricted", world.finance, [s2], "s2", disburse=False)
    assert err.details["source"] == f"blacklist:{entry_id}" and err.details["action"] == "finance"


def test_a_principals_entry_restricts_the_enterprise_named_with_it(world):
    prog = Programme(world)
    op, ap = prog.user("district", "operator"), prog.user("district", "approver")
    refuses(
        world.ctx,
        "blacklist.id_number_invalid",
        blacklist.propose,
        world.ctx,
        actor=op,
        subject="principal",
        principal_name="张三",
        principal_id_no="110105194912310021",
        principal_role="legal_representative",
        source="court",
        severity="grave",
        reason="r",
        idempotency_key=key(),
    )
    e = blacklist.propose(
        world.ctx,
        actor=op,
        subject="principal",
        party=world.ids["s3"],
        principal_name="张三",
        principal_id_no=ID_NO.lower(),
        principal_role="actual_controller",
        source="court",
        severity="grave",
        reason="实际控制人为失信被执行人",
        idempotency_key=key(),
    )
    assert e.principal_id_no == ID_NO
    blacklist.decide(world.ctx, actor=ap, entry_id=e.id, approve=True, idempotency_key=key())
    assert {r.party_id for r in _restrictions(world.ctx, e.id)} == {world.ids["s3"]}
    assert len(_restrictions(world.ctx, e.id)) == len(world.ctx.policy.programme.effects("grave"))
    other = blacklist.propose(
        world.ctx,
        actor=op,
        subject="principal",
        principal_name="张三",
        principal_id_no=ID_NO,
        principal_role="legal_representative",
        source="court",
        severity="grave",
        reason="另一企业",
        idempotency_key=key(),
    )
    detail = queries.entry(world.ctx, viewer=op, entry_id=e.id)
    assert [x.id for x in detail.same_person] == [other.id]
    blacklist.decide(world.ctx, actor=ap, entry_id=other.id, approve=True, idempotency_key=key())
    assert _restrictions(world.ctx, other.id) == []  # no enterprise known: nothing in the engine to bar


def test_evidence_files_are_the_district_uploads_linked_to_the_entry(world):
    prog = Programme(world)
    op = prog.user("district", "operator")
    sha = attachments.upload(
        world.ctx, actor=op, content=b"%PDF-1.7\n% judgment\n%%EOF\n", filename="判决书.pdf", idempotency_key=key()
    ).sha256
    e = blacklist.propose(
        world.ctx,
        actor=op,
        subject="enterprise",
        party=world.ids["s4"],
        source="court",
        severity="minor",
        reason="r",
        evidence=[sha],
        idempotency_key=key(),
    )
    assert e.evidence == (sha,)
    with world.ctx.uow(readonly=True) as uow:
        link = t.document_link.c
        assert (
            uow.conn.execute(select(link.sha256).where(link.owner_kind == "blacklist", link.owner_id == e.id)).scalar()
            == sha
        )
    foreign = attachments.upload(
        world.ctx,
        actor=world.user("s1"),
        content=b"%PDF-1.7\n% s1 only\n%%EOF\n",
        filename="x.pdf",
        idempotency_key=key(),
    ).sha256
    refuses(
        world.ctx,
        "attachment.not_found",
        blacklist.propose,
        world.ctx,
        actor=op,
        subject="enterprise",
        party=world.ids["s3"],
        source="court",
        severity="minor",
        reason="r",
        evidence=[foreign],
        idempotency_key=key(),
    )


def test_the_overdue_job_proposes_entries_for_the_district_to_confirm(world):
    Programme(world)
    world.issue(1000_00, maturity=dt.date(2026, 12, 15))
    with world.ctx.uow() as uow:
        uow.conn.execute(update(t.voucher).where(t.voucher.c.core_id == world.ids["core"]).values(status="overdue"))
        uow.commit()
    maturity = row(world.ctx, t.voucher, _voucher(world)).maturity_on
    assert blacklist.propose_overdue(world.ctx, on=maturity + dt.timedelta(days=90)) == []  # not beyond 90 days
    found = blacklist.propose_overdue(world.ctx, on=maturity + dt.timedelta(days=91))
    assert [(p.party_id, p.days) for p in found] == [(world.ids["core"], 91)]
    e = row(world.ctx, pt.blacklist_entry, found[0].entry_id)
    assert (e.status, e.source, e.created_by) == ("proposed", "platform_overdue", "system")
    assert _restrictions(world.ctx, e.id) == []  # proposed only
    assert blacklist.propose_overdue(world.ctx, on=maturity + dt.timedelta(days=92)) == []  # already proposed
    archive = queries.archive(world.ctx, viewer=Programme(world).user("district", "operator"), party=world.ids["core"])
    assert [v.status for v in archive.overdue_vouchers] == ["overdue"]
    assert [a.entry.id for a in archive.entries] == [e.id]
    assert archive.alerts == () and "risk engine" in archive.alerts_note


def _voucher(world) -> str:
    with world.ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.voucher.c.id).where(t.voucher.c.core_id == world.ids["core"])).scalar()


def test_who_sees_which_entries(world):
    prog = Programme(world)
    prog.chain("egg")  # first: Programme.member opens the chain inside its own unit of work
    prog.member("egg", "s2")
    listed = _list(world, prog, "s2", "minor")
    other = _list(world, prog, "s3", "minor")
    proposed = blacklist.propose(
        world.ctx,
        actor=prog.user("district", "operator"),
        subject="enterprise",
        party=world.ids["s1"],
        source="court",
        severity="minor",
        reason="r",
        idempotency_key=key(),
    ).id
    ids = lambda viewer: {e.id for e in queries.entries(world.ctx, viewer=viewer)}  # noqa: E731
    assert ids(prog.user("district", "operator")) == {listed, other, proposed}
    assert ids(world.user("bank")) == {listed, other}  # listed ones: due diligence
    assert ids(prog.user("office-egg", "operator")) == {listed}  # its chains' members
    assert ids(world.user("s2")) == {listed} and ids(world.user("s1")) == set()  # its own, once listed
    with pytest.raises(errors.NotFound):
        queries.entry(world.ctx, viewer=world.user("s2"), entry_id=other)
    with pytest.raises(errors.NotFound):
        queries.archive(world.ctx, viewer=world.user("bank"), party=world.ids["s2"])
    with pytest.raises(errors.NotFound):
        queries.archive(world.ctx, viewer=prog.user("office-egg", "operator"), party=world.ids["s3"])
    assert queries.archive(world.ctx, viewer=world.user("s2"), party=world.ids["s2"]).entries[0].entry.id == listed


def test_a_gravely_listed_enterprise_is_refused_onboarding(world):
    from factories import uscc

    from lianrong.parties import service as parties

    newcomer = parties.register_party(
        world.ctx, kind="enterprise", uscc=uscc(world.base + 77), name=f"新企业{world.base}", idempotency_key=key()
    ).id
    world.ids["newcomer"] = newcomer
    entry_id = _list(world, Programme(world), "newcomer", "grave")
    err = refuses(
        world.ctx,
        "party.restricted",
        parties.onboard,
        world.ctx,
        actor=world.user("bank"),
        bank=world.ids["bank"],
        party=newcomer,
        settlement_account="020012345678",
        ebanking=True,
        certificate="UKEY-1",
        idempotency_key=key(),
    )
    assert err.details["source"] == f"blacklist:{entry_id}" and err.details["action"] == "onboard"
