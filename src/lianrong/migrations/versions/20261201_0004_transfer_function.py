"""PostgreSQL: the transfer hot path as one server-side call, and ``lianrong_refuse``.

``lianrong_refuse(what)`` aborts the statement that calls it (SQLSTATE LR409, message ``what``): a
one-statement write that checks its guards in SQL calls it when one fails, and the server rolls back
every row the statement wrote.

``lianrong_transfer(...)`` is ``services.vouchers.transfer`` for the case where every rule passes, in one
round trip: it locks the voucher, checks the same rules as ``domain.vouchers.plan_split`` and the
transfer use case (holder, status, maturity, tier, minimum split, recipients, trade contracts,
onboarding), writes the spent fragment, the children, the hash-chain link (SHA-256, the canonical JSON of
``services.common.chain_link``) and the idempotency row, and returns the result as JSON. When any rule
fails it writes nothing and returns NULL: the service then runs its general path, which names the
refusal with its code and messages, so the reasons stay in one place (Python). Tests run every refusal
and the stateful ledger test on PostgreSQL through this function, and ``audit verify`` re-hashes the
links it wrote.

SQLite needs neither: its use cases run in a transaction that the service rolls back.

Revision ID: 20261201_0004
Revises: 20261126_0003
Create Date: 2026-12-01 19:20:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '20261201_0004'
down_revision: Union[str, Sequence[str], None] = '20261126_0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: the SQLSTATE raised; ``adapters.db.raw.GUARD_SQLSTATE`` names it for the services
GUARD_SQLSTATE = "LR409"

REFUSE = f"""
CREATE OR REPLACE FUNCTION lianrong_refuse(what text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '{GUARD_SQLSTATE}', MESSAGE = what;
END $$
"""

TRANSFER = r"""
CREATE OR REPLACE FUNCTION lianrong_transfer(
  p_fragment text, p_sender text, p_actor text, p_refs text[], p_amounts bigint[], p_contracts text[],
  p_ids text[], p_today date, p_now timestamptz, p_key text, p_operation text, p_request_hash text)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n int := coalesce(array_length(p_refs, 1), 0);
  v record; f record; prm record;
  x_sender text; x_min_split bigint; x_max_tier int; x_tier int;
  x_holders text[] := '{}'; x_contracts text[] := '{}'; x_total bigint := 0; x_remainder bigint;
  rec record; i int;
  kids_json text := ''; resp_kids text := ''; x_payload text; x_new_hash text; x_response text;
  k_id text; k_holder text; k_amount bigint; k_tier int; k_contract text;
BEGIN
  IF n = 0 OR array_length(p_amounts, 1) IS DISTINCT FROM n OR array_length(p_contracts, 1) IS DISTINCT FROM n
     OR array_length(p_ids, 1) IS DISTINCT FROM n + 1 THEN
    RETURN NULL;
  END IF;
  -- the voucher's row lock orders every operation on its chain; the fragment is read after it
  SELECT id, core_id, bank_id, status, maturity_on, seq, head_hash, hash_algorithm INTO v
    FROM voucher WHERE id = (SELECT voucher_id FROM fragment WHERE id = p_fragment) FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  SELECT holder_id, amount_fen, tier, status, contract_id INTO f FROM fragment WHERE id = p_fragment;
  IF v.status <> 'active' OR v.hash_algorithm <> 'sha256' OR f.status <> 'active' THEN RETURN NULL; END IF;
  x_sender := coalesce(p_sender, f.holder_id);
  IF f.holder_id <> x_sender OR p_today >= v.maturity_on THEN RETURN NULL; END IF;
  -- the core's financing parameters, with the sender's ledger overrides
  SELECT coalesce(nullif(l.min_split_fen, 0), d.min_split_fen) AS min_split,
         coalesce(nullif(l.max_tier, 0), d.max_tier) AS max_tier INTO prm
    FROM core_designation d LEFT JOIN supplier_ledger l
      ON l.bank_id = d.bank_id AND l.core_id = d.core_id AND l.supplier_id = x_sender
    WHERE d.bank_id = v.bank_id AND d.core_id = v.core_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  x_min_split := prm.min_split;
  x_max_tier := prm.max_tier;
  x_tier := f.tier + 1;
  IF x_tier > x_max_tier THEN RETURN NULL; END IF;
  FOR i IN 1..n LOOP
    -- the recipient, its onboarding at the voucher's bank, and the sender's non-cash contract with it
    SELECT p.id, p.kind, o.settlement_account, o.ebanking, o.certificate,
           (SELECT c.id FROM contract c
             WHERE c.buyer_id = x_sender AND c.seller_id = p.id AND (c.id = p_contracts[i] OR p_contracts[i] = '')
               AND c.non_cash_agreed ORDER BY c.signed_on DESC, c.id LIMIT 1) AS contract_id INTO rec
      FROM party p LEFT JOIN onboarding o ON o.party_id = p.id AND o.bank_id = v.bank_id
      -- by id (ids carry a '_', a USCC never does) or by 统一社会信用代码, each on its own index
      WHERE p.id = CASE WHEN strpos(p_refs[i], '_') > 0 THEN p_refs[i]
                        ELSE (SELECT u.id FROM party u WHERE u.uscc = upper(p_refs[i])) END;
    IF NOT FOUND OR rec.kind <> 'enterprise' OR rec.id = x_sender OR rec.id = v.core_id OR rec.id = ANY(x_holders)
       OR p_amounts[i] IS NULL OR p_amounts[i] < 1 OR p_amounts[i] < x_min_split
       OR coalesce(rec.settlement_account, '') = '' OR rec.ebanking IS NOT TRUE
       OR coalesce(rec.certificate, '') = '' OR rec.contract_id IS NULL THEN
      RETURN NULL;
    END IF;
    x_holders := x_holders || rec.id;
    x_contracts := x_contracts || rec.contract_id;
    x_total := x_total + p_amounts[i];
  END LOOP;
  x_remainder := f.amount_fen - x_total;
  IF x_remainder < 0 OR (x_remainder > 0 AND x_remainder < x_min_split) THEN RETURN NULL; END IF;

  UPDATE fragment SET status = 'spent' WHERE id = p_fragment AND status = 'active';
  IF NOT FOUND THEN PERFORM lianrong_refuse('spent'); END IF;
  FOR i IN 1..n + (CASE WHEN x_remainder > 0 THEN 1 ELSE 0 END) LOOP
    IF i <= n THEN
      k_id := p_ids[i]; k_holder := x_holders[i]; k_amount := p_amounts[i]; k_tier := x_tier; k_contract := x_contracts[i];
    ELSE
      k_id := p_ids[n + 1]; k_holder := x_sender; k_amount := x_remainder; k_tier := f.tier; k_contract := f.contract_id;
    END IF;
    INSERT INTO fragment (id, voucher_id, core_id, parent_id, holder_id, amount_fen, tier, status, contract_id,
                          financing_id, created_at)
      VALUES (k_id, v.id, v.core_id, p_fragment, k_holder, k_amount, k_tier, 'active', k_contract, NULL, p_now);
    -- services.common.chain_link(plain=True): sorted keys, no spaces
    kids_json := kids_json || CASE WHEN i > 1 THEN ',' ELSE '' END
      || '{"amount":' || k_amount || ',"contract":' || coalesce(to_json(k_contract)::text, 'null')
      || ',"holder":' || to_json(k_holder)::text || ',"id":' || to_json(k_id)::text || ',"tier":' || k_tier || '}';
    resp_kids := resp_kids || CASE WHEN i > 1 THEN ', ' ELSE '' END
      || json_build_object('id', k_id, 'holder_id', k_holder, 'amount_fen', k_amount, 'tier', k_tier)::text;
  END LOOP;
  x_payload := '{"actor":' || coalesce(to_json(p_actor)::text, 'null') || ',"data":{"children":[' || kids_json
    || '],"spent":' || to_json(p_fragment)::text || '},"op":"transfer","seq":' || (v.seq + 1)
    || ',"voucher":' || to_json(v.id)::text || '}';
  x_new_hash := encode(sha256(convert_to(v.head_hash || E'\n' || x_payload, 'UTF8')), 'hex');
  UPDATE voucher SET seq = v.seq + 1, head_hash = x_new_hash WHERE id = v.id AND seq = v.seq;
  IF NOT FOUND THEN PERFORM lianrong_refuse('head'); END IF;
  INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at)
    VALUES (v.id, v.seq + 1, v.core_id, 'transfer', x_payload, v.head_hash, x_new_hash, p_actor, p_now);
  x_response := '{"spent_fragment_id": ' || to_json(p_fragment)::text || ', "voucher_id": ' || to_json(v.id)::text
    || ', "children": [' || resp_kids || ']}';
  IF p_key IS NOT NULL THEN
    INSERT INTO idempotency (key, operation, request_hash, response, created_at)
      VALUES (p_key, p_operation, p_request_hash, x_response::json, p_now) ON CONFLICT (key) DO NOTHING;
    IF NOT FOUND THEN PERFORM lianrong_refuse('key'); END IF;
  END IF;
  RETURN x_response;
END $$
"""


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REFUSE)
    op.execute(TRANSFER)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS lianrong_transfer(text, text, text, text[], bigint[], text[], text[], date, "
               "timestamptz, text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS lianrong_refuse(text)")
