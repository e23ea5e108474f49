"""The six ledger invariants, as pure checks over plain records (from a database or an export file).

1. per voucher, the leaves (every fragment not consumed) sum to the face amount;
2. every consumed fragment has children summing to it; no fragment is consumed twice;
3. amounts are positive integers; a financed or frozen fragment cannot move;
4. each invoice backs at most its own amount across all vouchers;
5. a core enterprise's occupied credit never exceeds its line;
6. the operation log of each voucher forms an unbroken hash chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lianrong.vouchers.model import FINANCED, FROZEN, SPENT, VoucherStatus

GENESIS = "0" * 64


@dataclass(frozen=True)
class Violation:
    """The first broken invariant found, with what it concerns."""

    invariant: int
    ref: str
    message_en: str
    message_zh: str

    def __str__(self) -> str:
        return f"invariant {self.invariant} violated at {self.ref}: {self.message_en} / {self.message_zh}"


def check_voucher(
    voucher: Mapping[str, Any],
    fragments: list[Mapping[str, Any]],
    ops: list[Mapping[str, Any]],
    *,
    rehash: Callable[[str, str, str], str],
) -> Violation | None:
    """Invariants 1, 2, 3 and 6 for one voucher.

    ``rehash(prev, payload_json, algorithm)`` recomputes an operation's hash from its stored payload.
    """
    vid = voucher["id"]
    v = _check_tree(vid, voucher["face_fen"], voucher["status"], fragments)
    if v:
        return v
    return check_chain(voucher, ops, rehash=rehash)


def check_holders(fragments: Iterable[Mapping[str, Any]], parties: set[str]) -> Violation | None:
    """Invariant 2's structure across records: every fragment is held by a registered party."""
    for f in fragments:
        if f["holder_id"] not in parties:
            return Violation(
                2,
                str(f["id"]),
                f"fragment held by {f['holder_id']}, which is not a party",
                f"碎片持有人 {f['holder_id']} 不是已登记的参与方",
            )
    return None


def _check_tree(vid: str, face: Any, status: str, fragments: list[Mapping[str, Any]]) -> Violation | None:
    if not _positive_int(face):
        return Violation(3, vid, f"face amount {face!r} is not a positive integer", f"凭据面额{face!r}不是正整数")
    children: dict[str | None, list[Mapping[str, Any]]] = defaultdict(list)
    ids = set()
    for f in fragments:
        if not _positive_int(f["amount_fen"]):
            return Violation(
                3,
                f["id"],
                f"amount {f['amount_fen']!r} is not a positive integer",
                f"金额{f['amount_fen']!r}不是正整数",
            )
        if f["id"] in ids:
            return Violation(2, f["id"], "fragment recorded twice", "凭据份额重复记录")
        ids.add(f["id"])
        children[f["parent_id"]].append(f)
    if status in (VoucherStatus.PENDING, VoucherStatus.REJECTED):
        if fragments:
            return Violation(1, vid, f"a {status} voucher has fragments", "未签发的凭据不应有份额")
        return None
    roots = children.get(None, [])
    if len(roots) != 1:
        return Violation(2, vid, f"{len(roots)} root fragments, expected 1", f"根份额{len(roots)}个，应为1个")
    for parent in children:
        if parent is not None and parent not in ids:
            return Violation(2, parent, "children of an unknown fragment", "子份额的父份额不存在")
    leaves = 0
    for f in fragments:
        kids = children.get(f["id"], [])
        if f["status"] == SPENT:
            if not kids:
                return Violation(2, f["id"], "consumed fragment has no children", "已流转份额没有子份额")
            total = sum(k["amount_fen"] for k in kids)
            if total != f["amount_fen"]:
                return Violation(
                    2,
                    f["id"],
                    f"children sum to {total}, fragment is {f['amount_fen']} (consumed twice or money created/lost)",
                    f"子份额合计{total}，不等于份额金额{f['amount_fen']}（重复消费或金额不守恒）",
                )
        else:
            if kids:
                kind = f["status"]
                inv = 3 if kind in (FINANCED, FROZEN) else 2
                return Violation(
                    inv,
                    f["id"],
                    f"a {kind} fragment has children (it moved)",
                    f"状态为{kind}的份额产生了子份额（不应流转）",
                )
            leaves += f["amount_fen"]
    if leaves != face:
        return Violation(
            1, vid, f"leaves sum to {leaves}, face amount is {face}", f"末端份额合计{leaves}，不等于凭据面额{face}"
        )
    return None


def check_chain(
    voucher: Mapping[str, Any], ops: list[Mapping[str, Any]], *, rehash: Callable[[str, str, str], str]
) -> Violation | None:
    """Invariant 6: seq 1..n, each op's prev is the last hash, each hash recomputes, head matches."""
    vid = voucher["id"]
    prev = GENESIS
    for expected, op in enumerate(sorted(ops, key=lambda o: o["seq"]), start=1):
        if op["seq"] != expected:
            return Violation(6, f"{vid}#{expected}", "operation missing from the chain", "操作日志缺失")
        if op["prev_hash"] != prev:
            return Violation(
                6, f"{vid}#{op['seq']}", "chain broken: previous hash differs", "哈希链断裂：前序哈希不一致"
            )
        if rehash(prev, op["payload"], voucher["hash_algorithm"]) != op["hash"]:
            return Violation(
                6,
                f"{vid}#{op['seq']}",
                "operation altered: hash does not match its content",
                "操作记录被篡改：哈希与内容不符",
            )
        prev = op["hash"]
    if voucher["seq"] != len(ops) or voucher["head_hash"] != prev:
        return Violation(6, vid, "chain head differs from the voucher's recorded head", "哈希链头与凭据记录不一致")
    return None


def check_invoices(invoices: Iterable[Mapping[str, Any]], allocations: Mapping[str, int]) -> Violation | None:
    """Invariant 4: allocations of live vouchers never exceed an invoice, and match its counter."""
    for inv in invoices:
        used = allocations.get(inv["id"], 0)
        if used > inv["amount_fen"]:
            return Violation(
                4,
                inv["id"],
                f"invoice backs {used} of its {inv['amount_fen']}",
                f"发票被占用{used}，超过票面{inv['amount_fen']}（一票多融）",
            )
        if used != inv["allocated_fen"]:
            return Violation(
                4,
                inv["id"],
                f"allocation counter {inv['allocated_fen']} ≠ vouchers' {used}",
                f"发票占用记录{inv['allocated_fen']}与凭据占用{used}不一致",
            )
    return None


def check_credit(lines: Iterable[Mapping[str, Any]], occupations: Mapping[str, int]) -> Violation | None:
    """Invariant 5: occupation within the limit and equal to the open financings/vouchers using it."""
    for line in lines:
        if not (0 <= line["occupied_fen"] <= line["limit_fen"]):
            return Violation(
                5,
                line["id"],
                f"occupied {line['occupied_fen']} exceeds limit {line['limit_fen']}",
                f"已占用{line['occupied_fen']}超过额度{line['limit_fen']}",
            )
        expected = occupations.get(line["id"], 0)
        if expected != line["occupied_fen"]:
            return Violation(
                5,
                line["id"],
                f"occupied {line['occupied_fen']} ≠ open uses {expected}",
                f"已占用{line['occupied_fen']}与未结清业务占用{expected}不一致",
            )
    return None


def _positive_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x > 0
