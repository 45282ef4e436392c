"""Labels and manifests: create a label job (answered 202 PROCESSING, READY later on the clock), read it and its
PDF; create a manifest of labelled sub-orders, list a day's manifests, read one and its PDF."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.errors import fail, new_request_id
from robnu.sandbox.meesho.pdfs import label_pdf, manifest_pdf
from robnu.sandbox.meesho.plumbing import BODY, MeeshoApi, json_body, ok, parse_date, str_list
from robnu.sandbox.meesho.views import label_view, manifest_view


def register(app: FastAPI, api: MeeshoApi) -> None:
    world = api.world

    @app.post("/v1/labels")
    def create_labels(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "createLabels", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 50)
            label, results = world.create_label(acct, nos)
            status = "FAILED" if not label.sub_order_nos else "PROCESSING"
            if status == "PROCESSING" and world.clock.now() >= label.ready_at:
                status = "PROCESSING"  # the create call always answers PROCESSING; GET shows READY
            return ok({"label_id": label.label_id, "status": status, "results": results}, status=202)

        return api.idempotent(acct, request, body, run)

    @app.get("/v1/labels/{label_id}")
    def get_label(label_id: str, request: Request) -> Response:
        acct = api.begin(request, "getLabel")
        label = acct.labels.get(label_id)
        now = world.clock.now()
        if label is None or label.created_at > now:
            raise fail(404, "NOT_FOUND", {"label_id": label_id})
        return ok(label_view(label, acct, now))

    @app.get("/v1/labels/{label_id}/pdf")
    def get_label_pdf(label_id: str, request: Request) -> Response:
        acct = api.begin(request, "getLabelPdf")
        label = acct.labels.get(label_id)
        now = world.clock.now()
        if label is None or label.created_at > now:
            raise fail(404, "NOT_FOUND", {"label_id": label_id})
        if not label.sub_order_nos:
            raise fail(422, "INVALID_STATE", {"current_status": "FAILED"})
        if now < label.ready_at:
            raise fail(422, "LABEL_NOT_READY", {"label_id": label_id, "status": "PROCESSING"})
        return Response(
            label_pdf(label, acct), media_type="application/pdf", headers={"X-Request-Id": new_request_id()}
        )

    @app.post("/v1/manifests")
    def create_manifest(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "createManifest", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 100)
            manifest = world.create_manifest(acct, nos)
            return ok(manifest_view(manifest, world.clock.now(), detail=False), status=201)

        return api.idempotent(acct, request, body, run)

    @app.get("/v1/manifests")
    def list_manifests(request: Request) -> Response:
        acct = api.begin(request, "listManifests")
        now = world.clock.now()
        day = parse_date("date", request.query_params.get("date")) or tl.ist_date(now)
        found = [m for m in acct.manifests.values() if m.created_at <= now and tl.ist_date(m.created_at) == day]
        found.sort(key=lambda m: (m.created_at, m.manifest_id))
        return ok(
            [manifest_view(m, now, detail=False) for m in found],
            pagination={"next_cursor": None, "has_more": False},
        )

    @app.get("/v1/manifests/{manifest_id}")
    def get_manifest(manifest_id: str, request: Request) -> Response:
        acct = api.begin(request, "getManifest")
        manifest = acct.manifests.get(manifest_id)
        now = world.clock.now()
        if manifest is None or manifest.created_at > now:
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        return ok(manifest_view(manifest, now, detail=True))

    @app.get("/v1/manifests/{manifest_id}/pdf")
    def get_manifest_pdf(manifest_id: str, request: Request) -> Response:
        acct = api.begin(request, "getManifestPdf")
        manifest = acct.manifests.get(manifest_id)
        if manifest is None or manifest.created_at > world.clock.now():
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        return Response(
            manifest_pdf(manifest, acct),
            media_type="application/pdf",
            headers={"X-Request-Id": new_request_id()},
        )
