CREATE OR REPLACE FUNCTION lianrong_transfer(
  p_fragment text, p_sender text, p_actor text, p_refs text[], p_amounts bigint[], p_contracts text[],
  p_ids text[], p_today date, p_now timestamptz, p_key text, p_operation text, p_request_hash text)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n int := coalesce(array_length(p_refs, 1), 0);
  v record; prm record; rec record; i int;
  x_sender text; x_min_split bigint; x_max_tier int; x_tier int; x_total bigint := 0; x_remainder bigint;
  k_ids text[]; k_holders text[] := '{}'; k_amounts bigint[]; k_tiers int[]; k_contracts text[] := '{}';
  kids_json text := ''; resp_kids text := ''; x_payload text; x_new_hash text; x_response text;
  c_spent int; c_head int; c_key int;
BEGIN
  IF n = 0 OR array_length(p_amounts, 1) IS DISTINCT FROM n OR array_length(p_contracts, 1) IS DISTINCT FROM n
     OR array_length(p_ids, 1) IS DISTINCT FROM n + 1 THEN
    RETURN NULL;
  END IF;
  -- the voucher's row lock orders every operation on its chain. Had another held it, the fragment's
  -- columns may be older than the lock: the guarded update below re-checks its status
  SELECT vo.id, vo.core_id, vo.bank_id, vo.status, vo.maturity_on, vo.seq, vo.head_hash, vo.hash_algorithm,
         fr.holder_id, fr.amount_fen, fr.tier, fr.status AS f_status, fr.contract_id INTO v
    FROM fragment fr JOIN voucher vo ON vo.id = fr.voucher_id WHERE fr.id = p_fragment FOR UPDATE OF vo;
  IF NOT FOUND OR v.status <> 'active' OR v.hash_algorithm <> 'sha256' OR v.f_status <> 'active' THEN
    RETURN NULL;
  END IF;
  x_sender := coalesce(p_sender, v.holder_id);
  IF v.holder_id <> x_sender OR p_today >= v.maturity_on THEN RETURN NULL; END IF;
  -- the core's financing parameters, with the sender's ledger overrides
  SELECT coalesce(nullif(l.min_split_fen, 0), d.min_split_fen) AS min_split,
         coalesce(nullif(l.max_tier, 0), d.max_tier) AS max_tier INTO prm
    FROM core_designation d LEFT JOIN supplier_ledger l
      ON l.bank_id = d.bank_id AND l.core_id = d.core_id AND l.supplier_id = x_sender
    WHERE d.bank_id = v.bank_id AND d.core_id = v.core_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  x_min_split := prm.min_split;
  x_max_tier := prm.max_tier;
  x_tier := v.tier + 1;
  IF x_tier > x_max_tier THEN RETURN NULL; END IF;
  FOR i IN 1..n LOOP
    -- the recipient, its onboarding at the voucher's bank, and the sender's non-cash contract with it
    SELECT p.id, p.kind, o.settlement_account, o.ebanking, o.certificate,
           (SELECT c.id FROM contract c
             WHERE c.buyer_id = x_sender AND c.seller_id = p.id AND (c.id = p_contracts[i] OR p_contracts[i] = '')
               AND c.non_cash_agreed AND c.confirmed_at IS NOT NULL ORDER BY c.signed_on DESC, c.id LIMIT 1) AS contract_id INTO rec
      FROM party p LEFT JOIN onboarding o ON o.party_id = p.id AND o.bank_id = v.bank_id
      -- by id (ids carry a '_', a USCC never does) or by 统一社会信用代码, each on its own index
      WHERE p.id = CASE WHEN strpos(p_refs[i], '_') > 0 THEN p_refs[i]
                        ELSE (SELECT u.id FROM party u WHERE u.uscc = upper(p_refs[i])) END;
    IF NOT FOUND OR rec.kind <> 'enterprise' OR rec.id = x_sender OR rec.id = v.core_id OR rec.id = ANY(k_holders)
       OR p_amounts[i] IS NULL OR p_amounts[i] < 1 OR p_amounts[i] < x_min_split
       OR coalesce(rec.settlement_account, '') = '' OR rec.ebanking IS NOT TRUE
       OR coalesce(rec.certificate, '') = '' OR rec.contract_id IS NULL THEN
      RETURN NULL;
    END IF;
    k_holders := k_holders || rec.id;
    k_contracts := k_contracts || rec.contract_id;
    x_total := x_total + p_amounts[i];
  END LOOP;
  x_remainder := v.amount_fen - x_total;
  IF x_remainder < 0 OR (x_remainder > 0 AND x_remainder < x_min_split) THEN RETURN NULL; END IF;

  -- the children (the recipients', then the remainder back to the sender at its tier) and the chain link
  k_ids := p_ids[1:n];
  k_amounts := p_amounts;
  k_tiers := array_fill(x_tier, ARRAY[n]);
  IF x_remainder > 0 THEN
    k_ids := k_ids || p_ids[n + 1]; k_holders := k_holders || x_sender; k_amounts := k_amounts || x_remainder;
    k_tiers := k_tiers || v.tier; k_contracts := k_contracts || v.contract_id;
  END IF;
  FOR i IN 1..array_length(k_ids, 1) LOOP
    -- services.common.chain_link(plain=True): sorted keys, no spaces
    kids_json := kids_json || CASE WHEN i > 1 THEN ',' ELSE '' END
      || '{"amount":' || k_amounts[i] || ',"contract":' || coalesce(to_json(k_contracts[i])::text, 'null')
      || ',"holder":' || to_json(k_holders[i])::text || ',"id":' || to_json(k_ids[i])::text
      || ',"tier":' || k_tiers[i] || '}';
    resp_kids := resp_kids || CASE WHEN i > 1 THEN ', ' ELSE '' END
      || json_build_object('id', k_ids[i], 'holder_id', k_holders[i], 'amount_fen', k_amounts[i],
                           'tier', k_tiers[i])::text;
  END LOOP;
  x_payload := '{"actor":' || coalesce(to_json(p_actor)::text, 'null') || ',"data":{"children":[' || kids_json
    || '],"spent":' || to_json(p_fragment)::text || '},"op":"transfer","seq":' || (v.seq + 1)
    || ',"voucher":' || to_json(v.id)::text || '}';
  x_new_hash := encode(sha256(convert_to(v.head_hash || E'\n' || x_payload, 'UTF8')), 'hex');
  x_response := '{"spent_fragment_id": ' || to_json(p_fragment)::text || ', "voucher_id": ' || to_json(v.id)::text
    || ', "children": [' || resp_kids || ']}';

  -- every write in one statement, each guarded; a failed guard aborts the function's statement
  WITH spent AS (
         UPDATE fragment SET status = 'spent' WHERE id = p_fragment AND status = 'active' RETURNING 1),
       kids AS (
         INSERT INTO fragment (id, voucher_id, core_id, parent_id, holder_id, amount_fen, tier, status,
                               contract_id, financing_id, created_at)
         SELECT k.id, v.id, v.core_id, p_fragment, k.holder, k.amount, k.tier, 'active', k.contract, NULL, p_now
           FROM unnest(k_ids, k_holders, k_amounts, k_tiers, k_contracts) AS k(id, holder, amount, tier, contract)
         RETURNING 1),
       head AS (
         UPDATE voucher SET seq = v.seq + 1, head_hash = x_new_hash WHERE id = v.id AND seq = v.seq RETURNING 1),
       op AS (
         INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at)
         VALUES (v.id, v.seq + 1, v.core_id, 'transfer', x_payload, v.head_hash, x_new_hash, p_actor, p_now)
         RETURNING 1),
       idem AS (
         INSERT INTO idempotency (key, operation, request_hash, response, created_at)
         SELECT p_key, p_operation, p_request_hash, x_response::json, p_now WHERE p_key IS NOT NULL
         RETURNING 1)
  -- (data-modifying CTEs run to completion whether or not the query reads them)
  SELECT (SELECT count(*) FROM spent), (SELECT count(*) FROM head), (SELECT count(*) FROM idem)
    INTO c_spent, c_head, c_key;
  IF c_spent <> 1 THEN PERFORM lianrong_refuse('spent'); END IF;
  IF c_head <> 1 THEN PERFORM lianrong_refuse('head'); END IF;
  IF p_key IS NOT NULL AND c_key <> 1 THEN PERFORM lianrong_refuse('key'); END IF;
  RETURN x_response;
END $$
