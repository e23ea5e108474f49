"""The district programme's people and chains on top of a World (tests/factories.py).

``Programme(world)`` registers the district office (an operator who prepares, an approver who decides: the
programme's maker–checker) and chain offices with a chain each, and adds members; rows the programme's own
use cases would write are inserted directly, so that every programme test starts from the same small
setup without depending on another sub-package's use cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from factories import key, uscc
from sqlalchemy import insert

from lianrong.adapters.db import tables as t
from lianrong.parties import service as parties
from lianrong.platform.context import Actor


def _id(result: Any) -> str:
    return result.id if hasattr(result, "id") else result["id"]


@dataclass
class Programme:
    """The district office and chain offices of ``world`` (``world.ids`` gains ``district`` and ``office-<code>``)."""

    world: Any
    chains: dict[str, str] = field(default_factory=dict)  # code → chain id

    def __post_init__(self) -> None:
        w = self.world
        if "district" not in w.ids:
            w.ids["district"] = _id(
                parties.register_party(
                    w.ctx,
                    kind="district",
                    uscc=uscc(w.base + 50, "11110117MB"),
                    name=f"区金融办{w.base}",
                    idempotency_key=key(),
                )
            )
            for role in ("operator", "approver"):
                self._user("district", role)

    def _user(self, org: str, role: str) -> None:
        w = self.world
        parties.add_user(
            w.ctx,
            party=w.ids[org],
            username=f"{org}-{role}-{w.base}",
            display_name=f"{org} {role}",
            role=role,
            idempotency_key=key(),
        )

    def user(self, org: str = "district", role: str = "approver") -> Actor:
        """A user of the district office (``district``) or of a chain office (``office-<code>``)."""
        return self.world.user(org, role)

    def chain(self, code: str = "egg", name: str = "蛋鸡鸡蛋产业链", *, key_chain: bool = True) -> str:
        """A chain with its office (users ``office-<code>`` operator and approver); returns the chain's id."""
        if code in self.chains:
            return self.chains[code]
        w = self.world
        org = f"office-{code}"
        w.ids[org] = _id(
            parties.register_party(
                w.ctx,
                kind="chain_office",
                uscc=uscc(w.base + 51 + len(self.chains), "11110117MB"),
                name=f"{name}链办{w.base}",
                idempotency_key=key(),
            )
        )
        for role in ("operator", "approver"):
            self._user(org, role)
        chain_id = f"chn_{code}{w.base:08d}"
        now = w.ctx.clock.now()
        with w.ctx.uow() as uow:
            uow.conn.execute(
                insert(t.programme_tables.chain).values(
                    id=chain_id,
                    code=f"{code}{w.base}",
                    name=name,
                    name_en=code,
                    office_id=w.ids[org],
                    key_chain=key_chain,
                    description="",
                    position=len(self.chains),
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.commit()
        self.chains[code] = chain_id
        return chain_id

    def member(self, chain: str, org: str, role: str = "supplier", tier: int = 1) -> None:
        """Make the World's organisation ``org`` a member of the chain ``chain`` (a code)."""
        w = self.world
        now = w.ctx.clock.now()
        chain_id = self.chain(chain)  # before the unit of work: making the chain opens its own
        with w.ctx.uow() as uow:
            uow.conn.execute(
                insert(t.programme_tables.chain_member).values(
                    chain_id=chain_id,
                    party_id=w.ids[org],
                    role=role,
                    tier=tier,
                    joined_on=w.ctx.clock.today() - dt.timedelta(days=30),
                    note="",
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.commit()
