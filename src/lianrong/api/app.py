"""The HTTP API (FastAPI) under ``/api/v1``: thin routes over the services, one error body everywhere."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..domain.errors import LianRongError
from ..services import audit, credit, financing, lineage, parties, vouchers
from ..services.context import Context


def create_app(ctx: Context) -> FastAPI:
    """Build the application around a service context."""
    app = FastAPI(title="LianRong 链融 API", version="0.1.0", openapi_url="/api/v1/openapi.json",
                  docs_url="/api/v1/docs")

    @app.exception_handler(LianRongError)
    async def _domain_error(_: Request, exc: LianRongError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content=exc.to_dict())

    @app.get("/api/v1/parties")
    def list_parties(kind: str | None = None) -> list[dict[str, Any]]:
        return parties.list_parties(ctx, kind=kind)

    @app.get("/api/v1/vouchers")
    def list_vouchers(core: str | None = None, status: str | None = None, limit: int = 100,
                      offset: int = 0) -> list[dict[str, Any]]:
        return vouchers.list_vouchers(ctx, core=core, status=status, limit=min(max(limit, 1), 500),
                                      offset=max(offset, 0))

    @app.get("/api/v1/vouchers/{voucher_id}/tree")
    def voucher_tree(voucher_id: str) -> dict[str, Any]:
        return lineage.voucher_tree(ctx, voucher_id=voucher_id)

    @app.get("/api/v1/fragments/{fragment_id}/lineage")
    def fragment_lineage(fragment_id: str) -> dict[str, Any]:
        return lineage.lineage(ctx, fragment_id=fragment_id)

    @app.get("/api/v1/financings")
    def list_financings(bank: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return financing.list_financings(ctx, bank=bank, status=status)

    @app.get("/api/v1/credit-lines")
    def list_lines(core: str | None = None) -> list[dict[str, Any]]:
        return credit.list_lines(ctx, core=core)

    @app.get("/api/v1/audit/verify")
    def verify() -> dict[str, Any]:
        return audit.verify(ctx)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        rows = "".join(
            f"<tr><td>{v['number']}</td><td>{v['status']}</td><td>{v['face_fen'] / 100:,.2f}</td>"
            f"<td>{v['maturity_on']}</td></tr>" for v in vouchers.list_vouchers(ctx))
        return ("<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>链融 LianRong</title>"
                "<h1>链融 LianRong</h1><p>供应链金融平台 · supply-chain finance platform. "
                "API: <a href='/api/v1/docs'>/api/v1/docs</a></p>"
                f"<table border=1 cellpadding=4><tr><th>凭据编号</th><th>状态</th><th>面额（元）</th>"
                f"<th>到期日</th></tr>{rows}</table></html>")

    return app
