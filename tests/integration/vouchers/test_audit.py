"""Audit (engine point 9): the six invariants on live data, tamper detection, offline export, SM3 chains."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from factories import key
from ledger_asserts import row, rows
from sqlalchemy import delete, insert, select, update

from lianrong.adapters.crypto import digest
from lianrong.adapters.db import tables as t
from lianrong.vouchers import audit
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import issuance as issuance


def healthy(world) -> dict:
    """Two vouchers, a split chain and a financed part; one invoice keeps headroom."""
    inv = world.invoice(2000_00)
    v = world.prepare(1000_00, invoice=inv)
    root = issuance.approve(
        world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=key()
    ).root_fragment_id
    r1 = world.transfer(root, "s1", [("s2", 400_00)])
    r2 = world.transfer(world.child(r1, "s2"), "s2", [("s3", 150_00)])
    d = world.finance([world.child(r2, "s3")], "s3")
    world.issue(500_00)
    return {
        "voucher": v.id,
        "invoice": inv,
        "root": root,
        "leaf": world.child(r1, "s1"),
        "financed": world.child(r2, "s3"),
        "financing": d.id,
    }


def tamper(world, stmt) -> None:
    with world.ctx.engine.begin() as conn:
        conn.execute(stmt)


def test_a_healthy_ledger_verifies(world):
    healthy(world)
    result = audit.verify(world.ctx)
    assert result.ok is True and result.violation is None
    assert result.counts["voucher"] == 2
    assert result.counts["fragments"] == 1 + 2 + 2 + 1
    # prepare, issue, 2 transfers, finance apply/approve/disburse; prepare, issue
    assert result.counts["operations"] == 7 + 2


def edit_amount(world, h):
    return update(t.fragment).where(t.fragment.c.id == h["leaf"]).values(amount_fen=600_01)


def delete_op(world, h):
    return delete(t.voucher_op).where(t.voucher_op.c.voucher_id == h["voucher"], t.voucher_op.c.seq == 3)


def change_payload(world, h):
    op = rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == h["voucher"], t.voucher_op.c.seq == 3)[0]
    doctored = op.payload.replace('"amount":40000', '"amount":40001')
    assert doctored != op.payload
    return (
        update(t.voucher_op)
        .where(t.voucher_op.c.voucher_id == h["voucher"], t.voucher_op.c.seq == 3)
        .values(payload=doctored)
    )


def bump_allocated(world, h):
    return update(t.invoice).where(t.invoice.c.id == h["invoice"]).values(allocated_fen=t.invoice.c.allocated_fen + 1)


def bump_occupied(world, h):
    return update(t.credit_line).values(occupied_fen=t.credit_line.c.occupied_fen + 1)


def child_of_financed(world, h):
    parent = row(world.ctx, t.fragment, h["financed"])
    return insert(t.fragment).values(
        id=f"frg_{uuid.uuid4().hex[:20]}",
        voucher_id=parent.voucher_id,
        core_id=parent.core_id,
        parent_id=parent.id,
        holder_id=world.ids["s4"],
        amount_fen=parent.amount_fen,
        tier=parent.tier + 1,
        status="active",
        contract_id=parent.contract_id,
        created_at=parent.created_at,
    )


@pytest.mark.parametrize(
    ("how", "invariants"),
    [
        (edit_amount, (1, 2)),
        (delete_op, (6,)),
        (change_payload, (6,)),
        (bump_allocated, (4,)),
        (bump_occupied, (5,)),
        (child_of_financed, (3,)),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_tampering_is_detected_with_the_broken_invariant(world, how, invariants):
    h = healthy(world)
    tamper(world, how(world, h))
    result = audit.verify(world.ctx)
    assert result.ok is False
    assert result.violation.invariant in invariants, result.violation
    assert result.violation.message_zh and result.violation.message_en


def test_an_export_verifies_offline_and_a_tampered_line_is_caught(world, tmp_path):
    h = healthy(world)
    path = tmp_path / "ledger.jsonl"
    out = audit.export(world.ctx, path=path)
    assert out.records >= 2 and path.exists() and not path.with_suffix(".jsonl.part").exists()
    result = audit.verify_file(path=path)
    assert result.ok is True and result.counts["voucher"] == 2

    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "lianrong-ledger-export"
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec.get("kind") == "voucher" and rec["id"] == h["voucher"]:
            target = i
    doctored = json.loads(lines[target])
    doctored["ops"][1]["payload"] = doctored["ops"][1]["payload"].replace(world.ids["s1"], world.ids["s4"])
    bad = tmp_path / "doctored.jsonl"
    bad.write_text(
        "\n".join(lines[:target] + [json.dumps(doctored, ensure_ascii=False)] + lines[target + 1 :]) + "\n",
        encoding="utf-8",
    )
    result = audit.verify_file(path=bad)
    assert result.ok is False and result.violation.invariant == 6

    moved = json.loads(lines[target])
    leaf = next(f for f in moved["fragments"] if f["id"] == h["leaf"])
    leaf["amount_fen"] += 100
    bad.write_text(
        "\n".join(lines[:target] + [json.dumps(moved, ensure_ascii=False)] + lines[target + 1 :]) + "\n",
        encoding="utf-8",
    )
    assert audit.verify_file(path=bad).violation.invariant in (1, 2)


def test_a_file_that_is_not_an_export_is_refused(world, tmp_path):
    not_export = tmp_path / "x.jsonl"
    not_export.write_text('{"hello": 1}\n', encoding="utf-8")
    for path in (not_export, tmp_path / "missing.jsonl"):
        with pytest.raises(vouchers_errors.AuditFileInvalid):
            audit.verify_file(path=path)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        json.dumps({"format": "lianrong-ledger-export", "version": 1}) + "\n{not json\n", encoding="utf-8"
    )
    with pytest.raises(vouchers_errors.AuditFileInvalid):
        audit.verify_file(path=broken)


def test_sm3_chains_verify_and_catch_tampering(make_world, tmp_path):
    world = make_world(hash_algorithm="sm3")
    h = healthy(world)
    voucher = row(world.ctx, t.voucher, h["voucher"])
    assert voucher.hash_algorithm == "sm3"
    first = rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == h["voucher"], t.voucher_op.c.seq == 1)[0]
    data = first.prev_hash.encode() + b"\n" + first.payload.encode()
    assert first.hash == digest(data, algorithm="sm3") != hashlib.sha256(data).hexdigest()
    assert audit.verify(world.ctx).ok
    path = tmp_path / "sm3.jsonl"
    audit.export(world.ctx, path=path)
    assert audit.verify_file(path=path).ok
    tamper(world, change_payload(world, h))
    assert audit.verify(world.ctx).violation.invariant == 6


def test_a_checkpoint_hashes_every_chain_head(world):
    healthy(world)
    cp = audit.checkpoint(world.ctx)
    assert cp.vouchers == 2 and len(cp.hash) == 64
    with world.ctx.uow(readonly=True) as uow:
        heads = uow.conn.execute(select(t.voucher.c.id, t.voucher.c.head_hash).order_by(t.voucher.c.id)).all()
    expected = digest("\n".join(f"{r.id}:{r.head_hash}" for r in heads).encode(), algorithm="sha256")
    assert cp.hash == expected


def test_a_fragment_held_by_an_unknown_party_is_caught_live_and_in_an_export(world, tmp_path):
    from sqlalchemy import text

    h = healthy(world)
    # past the foreign key, as only someone editing the database by hand could
    if world.ctx.engine.dialect.name == "postgresql":
        with world.ctx.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign-key triggers
            conn.execute(update(t.fragment).where(t.fragment.c.id == h["leaf"]).values(holder_id="pty_nobody"))
    else:
        import sqlite3

        with sqlite3.connect(world.ctx.engine.url.database) as raw:  # foreign keys off by default
            raw.execute("UPDATE fragment SET holder_id = 'pty_nobody' WHERE id = ?", (h["leaf"],))
    result = audit.verify(world.ctx)
    assert result.ok is False and result.violation.invariant == 2
    assert result.violation.ref == h["leaf"] and "pty_nobody" in result.violation.message_en
    path = tmp_path / "ledger.jsonl"
    audit.export(world.ctx, path=path)
    assert audit.verify_file(path=path).violation.ref == h["leaf"]
    # an export written before party records existed is still checked for everything else
    old = [ln for ln in path.read_text(encoding="utf-8").splitlines() if '"kind": "party"' not in ln]
    legacy = tmp_path / "legacy.jsonl"
    legacy.write_text("\n".join(old) + "\n", encoding="utf-8")
    assert audit.verify_file(path=legacy).ok is True
