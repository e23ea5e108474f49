"""The six ledger invariants as pure checks (domain/invariants.py), on hand-built records."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from lianrong.vouchers.invariants import (
    GENESIS,
    Violation,
    check_chain,
    check_credit,
    check_holders,
    check_invoices,
    check_voucher,
)


def rehash(prev: str, payload: str, algorithm: str) -> str:
    assert algorithm == "sha256"
    return hashlib.sha256(prev.encode() + b"\n" + payload.encode()).hexdigest()


def chain(n: int) -> tuple[list[dict], str]:
    ops, prev = [], GENESIS
    for seq in range(1, n + 1):
        payload = json.dumps({"seq": seq, "op": f"op{seq}"})
        h = rehash(prev, payload, "sha256")
        ops.append({"seq": seq, "payload": payload, "prev_hash": prev, "hash": h})
        prev = h
    return ops, prev


def frag(id_: str, amount: int, *, parent: str | None = None, status: str = "active") -> dict:
    return {"id": id_, "parent_id": parent, "amount_fen": amount, "status": status}


def healthy() -> tuple[dict, list[dict], list[dict]]:
    """A 1,000-yuan voucher: root → s2 400 (→ s3 150 financed, s2 keeps 250), s1 keeps 600."""
    ops, head = chain(3)
    voucher = {
        "id": "vch_1",
        "face_fen": 1000_00,
        "status": "active",
        "seq": 3,
        "head_hash": head,
        "hash_algorithm": "sha256",
    }
    fragments = [
        frag("r", 1000_00, status="spent"),
        frag("a", 400_00, parent="r", status="spent"),
        frag("b", 600_00, parent="r"),
        frag("c", 150_00, parent="a", status="financed"),
        frag("d", 250_00, parent="a", status="frozen"),
    ]
    return voucher, fragments, ops


def check(voucher: dict, fragments: list[dict], ops: list[dict]) -> Violation | None:
    return check_voucher(voucher, fragments, ops, rehash=rehash)


def test_a_healthy_voucher_passes():
    assert check(*healthy()) is None


def test_settled_and_overdue_leaves_count_toward_the_face():
    v, f, o = healthy()
    f[2]["status"], f[3]["status"], f[4]["status"] = "settled", "overdue", "settled"
    assert check(v, f, o) is None


def test_a_pending_voucher_has_no_fragments():
    v, _, _ = healthy()
    ops, head = chain(1)
    pending = {**v, "status": "pending", "seq": 1, "head_hash": head}
    assert check(pending, [], ops) is None
    found = check(pending, [frag("r", 1000_00)], ops)
    assert found and found.invariant == 1


def test_leaves_not_summing_to_the_face_break_invariant_1():
    v, f, o = healthy()
    v["face_fen"] = 1000_01
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (1, "vch_1")


def test_a_leaf_amount_edited_breaks_invariant_1_or_2():
    v, f, o = healthy()
    f[4]["amount_fen"] = 250_01
    assert check(v, f, o).invariant in (1, 2)


def test_children_not_summing_to_their_parent_break_invariant_2():
    v, f, o = healthy()
    f[3]["amount_fen"] = 149_00  # a (400) now has children 149 + 250
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (2, "a")


def test_a_consumed_fragment_without_children_breaks_invariant_2():
    v, f, o = healthy()
    f[2]["status"] = "spent"
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (2, "b")


def test_a_fragment_consumed_twice_breaks_invariant_2():
    v, f, o = healthy()
    f.append(frag("b2", 600_00, parent="b"))
    f[2]["status"] = "spent"
    f.append(frag("b3", 600_00, parent="b"))  # spent again: two sets of children
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (2, "b")


def test_a_fragment_recorded_twice_breaks_invariant_2():
    v, f, o = healthy()
    f.append(dict(f[2]))
    assert check(v, f, o).invariant == 2


def test_two_roots_break_invariant_2():
    v, f, o = healthy()
    f.append(frag("r2", 1, status="active"))
    assert check(v, f, o).invariant == 2


def test_children_of_an_unknown_fragment_break_invariant_2():
    v, f, o = healthy()
    f.append(frag("x", 1, parent="ghost"))
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (2, "ghost")


def test_an_active_fragment_with_children_breaks_invariant_2():
    v, f, o = healthy()
    f[2]["status"] = "active"
    f.append(frag("b2", 600_00, parent="b"))
    assert check(v, f, o).invariant == 2


@pytest.mark.parametrize("status", ["financed", "frozen"])
def test_a_financed_or_frozen_fragment_that_moved_breaks_invariant_3(status):
    v, f, o = healthy()
    mover = "c" if status == "financed" else "d"
    f.append(frag("m", 1, parent=mover))
    found = check(v, f, o)
    assert (found.invariant, found.ref) == (3, mover)


@pytest.mark.parametrize("bad", [0, -5, 1.5, "100", True, None])
def test_a_non_positive_or_non_integer_amount_breaks_invariant_3(bad):
    v, f, o = healthy()
    f[2]["amount_fen"] = bad
    assert check(v, f, o).invariant == 3


@pytest.mark.parametrize("bad", [0, 1.0, True])
def test_a_bad_face_amount_breaks_invariant_3(bad):
    v, f, o = healthy()
    v["face_fen"] = bad
    assert check(v, f, o).invariant == 3


def test_an_unbroken_chain_passes_in_any_row_order():
    v, _, o = healthy()
    assert check_chain(v, list(reversed(o)), rehash=rehash) is None


def test_a_missing_operation_breaks_invariant_6():
    v, _, o = healthy()
    found = check_chain(v, [o[0], o[2]], rehash=rehash)
    assert (found.invariant, found.ref) == (6, "vch_1#2")


def test_an_altered_payload_breaks_invariant_6():
    v, _, o = healthy()
    o = copy.deepcopy(o)
    o[1]["payload"] = o[1]["payload"].replace("op2", "opX")
    found = check_chain(v, o, rehash=rehash)
    assert (found.invariant, found.ref) == (6, "vch_1#2")


def test_a_rewritten_link_breaks_invariant_6():
    v, _, o = healthy()
    o = copy.deepcopy(o)
    o[1]["prev_hash"] = "f" * 64
    assert check_chain(v, o, rehash=rehash).invariant == 6


def test_a_truncated_chain_or_wrong_head_breaks_invariant_6():
    v, _, o = healthy()
    assert check_chain(v, o[:2], rehash=rehash).invariant == 6
    assert check_chain({**v, "head_hash": "0" * 64}, o, rehash=rehash).invariant == 6
    # and check_voucher reports it too when the tree is fine
    assert check({**v, "seq": 4}, healthy()[1], o).invariant == 6


def test_invoices_within_their_amount_pass():
    invoices = [
        {"id": "inv_1", "amount_fen": 1000, "allocated_fen": 1000},
        {"id": "inv_2", "amount_fen": 1000, "allocated_fen": 0},
    ]
    assert check_invoices(invoices, {"inv_1": 1000}) is None


def test_an_invoice_backing_more_than_its_amount_breaks_invariant_4():
    found = check_invoices([{"id": "inv_1", "amount_fen": 1000, "allocated_fen": 1000}], {"inv_1": 1001})
    assert (found.invariant, found.ref) == (4, "inv_1")


def test_an_allocation_counter_out_of_step_breaks_invariant_4():
    found = check_invoices([{"id": "inv_1", "amount_fen": 1000, "allocated_fen": 501}], {"inv_1": 500})
    assert found.invariant == 4


def test_credit_occupation_matching_open_uses_passes():
    assert check_credit([{"id": "crl", "limit_fen": 100, "occupied_fen": 60}], {"crl": 60}) is None
    assert check_credit([{"id": "crl", "limit_fen": 100, "occupied_fen": 0}], {}) is None


@pytest.mark.parametrize(("occupied", "uses"), [(101, 101), (-1, -1), (60, 59), (0, 10)])
def test_credit_over_the_line_or_out_of_step_breaks_invariant_5(occupied, uses):
    found = check_credit([{"id": "crl", "limit_fen": 100, "occupied_fen": occupied}], {"crl": uses})
    assert (found.invariant, found.ref) == (5, "crl")


def test_a_violation_reads_in_both_languages():
    v, f, o = healthy()
    v["face_fen"] = 1
    text = str(check(v, f, o))
    assert text.startswith("invariant 1 violated at vch_1")
    assert "末端份额" in text


def test_a_fragment_held_by_an_unregistered_party_breaks_invariant_2():
    frags = [{"id": "f1", "holder_id": "p1"}, {"id": "f2", "holder_id": "ghost"}]
    assert check_holders(frags, {"p1", "p2"}).ref == "f2"
    assert check_holders(frags, {"p1", "p2"}).invariant == 2
    assert check_holders(frags, {"p1", "ghost"}) is None
