"""``lianrong programme targets`` and ``lianrong programme report monthly`` on the known ledger."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lianrong.entrypoints.cli import app


def test_the_targets_and_the_monthly_report_from_the_command_line(known, tmp_path):
    url = known.world.ctx.settings.database_url
    runner = CliRunner()
    r = runner.invoke(app, ["programme", "targets", "--month", "2026-11", "--db", url, "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["targets"][0]["reported"] == 5_000_00
    r = runner.invoke(
        app, ["programme", "targets", "records", "key_chain_financing", "--month", "2026-11", "--db", url]
    )
    assert r.exit_code == 0, r.output
    for fmt in ([], ["--pdf"]):
        out = tmp_path / f"report{len(fmt)}"
        r = runner.invoke(
            app, ["programme", "report", "monthly", "--month", "2026-11", "--out", str(out), "--db", url, *fmt]
        )
        assert r.exit_code == 0, r.output
        assert out.read_bytes()[:2] in (b"PK", b"%P")
    r = runner.invoke(app, ["programme", "targets", "--month", "2026-13", "--db", url])
    assert r.exit_code == 1 and "targets.invalid_month" in r.output
