"""AJIO's manifest phase (stages 10-11 of processing.py): a GREEN, packed shipment joins the batch's open
manifest, and the manifest is submitted under the batch's closure policy, one per courier.

[modelled] The open manifest is a product-side object (AJIO only sees the submission), so "add to the open
manifest" records the shipment's courier and AWB against the batch; the close stage submits it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from robnu.adapters.ajio.client import AjioClient
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.errors import TransientMarketplaceError
from robnu.adapters.processing import BatchResult, FlowBatch, FlowOrder, FlowRun, StepResult, may_close_manifest
from robnu.domain.clock import as_utc, ist_day
from robnu.domain.dispatch import headroom_pct

Run = FlowRun[AjioClient, AjioCredentials]

OPEN_MANIFEST_STAGE = 10  # where each shipment's courier is recorded for the close
MANIFEST_BATCH = 250  # at most 250 shipments per manifest, one courier
_SHIPMENT_RE = re.compile(r"^shipment_ids\[(\d+)\]")


def open_manifest(run: Run, order: FlowOrder) -> StepResult:
    """Add the GREEN shipment to the batch's open manifest: it must be PACKED at AJIO with its label READY
    (what ``POST /manifests`` will check)."""
    view = run.client.shipment(order.external_id)
    status = str(view.get("status"))
    if status not in ("PACKED", "READY_TO_DISPATCH", "DISPATCHED"):
        return StepResult(held=f"open manifest: shipment is {status} at AJIO")
    if status == "PACKED" and view.get("label_status") != "READY":
        return StepResult(waiting=f"AJIO label for {order.external_id} is not ready yet")
    return StepResult(
        external_ref=str(view.get("shipment_id") or order.external_id),
        detail={"courier": view.get("courier_name"), "awb": view.get("awb_number"), "status": status},
    )


def close_manifest(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """Submit the open manifest under the batch's closure policy (``may_close_manifest``). Past the cut-off
    it is still submitted (AJIO marks it late: next-day dispatch). One AJIO manifest per courier, <= 250
    shipments. Look first: shipments already on a non-cancelled manifest of the day (or the day before)
    are not submitted again. Each manifest PDF is stored once."""
    now = run.now()
    if not may_close_manifest(run, batch):
        return BatchResult(deferred=True)
    ids = {o.external_id: o for o in orders}
    on = _already_manifested(run, set(ids), now)
    couriers = {o.id: str(run.store.step_detail(o.id, OPEN_MANIFEST_STAGE).get("courier") or "") for o in orders}
    by_courier: dict[str, list[str]] = {}
    for sid, order in ids.items():
        if sid not in on:
            by_courier.setdefault(couriers.get(order.id) or "", []).append(sid)
    held: dict[int, str] = {}
    late = False
    for courier, sids in sorted(by_courier.items()):
        for at in range(0, len(sids), MANIFEST_BATCH):
            made, refused, was_late = _submit(run.client, courier, sids[at : at + MANIFEST_BATCH])
            on.update(made)
            held.update({ids[sid].id: reason for sid, reason in refused.items()})
            late = late or was_late
    manifest_ids = sorted(set(on.values()))
    for mid in manifest_ids:
        if not run.store.documents("MANIFEST", external_ref=mid):
            content = run.client.document("getManifestPdf", f"/manifests/{mid}/pdf")
            if content is None:
                raise TransientMarketplaceError(f"AJIO manifest {mid} PDF is not available")
            run.store.store_document("MANIFEST", content, external_ref=mid)
    return BatchResult(
        external_ref=",".join(manifest_ids)[:100] or None,
        held=held,
        detail={
            "manifests": manifest_ids,
            "shipments": dict(sorted(on.items())),
            "policy": batch.closure_policy,
            "late": late,  # AJIO's own verdict: created after its 17:30 IST cut-off
            "sla_headroom_pct": sla_headroom(batch, orders, now),
        },
    )


def _already_manifested(run: Run, shipment_ids: set[str], now: datetime) -> dict[str, str]:
    """Shipment id -> manifest id, for shipments on a non-cancelled manifest of today or yesterday (IST)."""
    on: dict[str, str] = {}
    day = ist_day(now)
    for d in sorted({day, day - timedelta(days=1)}):
        for man in run.client.manifests_on(d.isoformat()):
            if man.get("pickup_status") == "CANCELLED":
                continue
            for sid in man.get("shipment_ids") or []:
                if str(sid) in shipment_ids:
                    on[str(sid)] = str(man["manifest_id"])
    return on


def _submit(client: AjioClient, courier: str, chunk: list[str]) -> tuple[dict[str, str], dict[str, str], bool]:
    """One manifest for the chunk: (shipment -> manifest id, shipment -> why refused, AJIO's late verdict).
    Shipments AJIO refuses are pulled out and the rest submitted again."""
    status, body = client.create_manifest(courier, chunk)
    refused: dict[str, str] = {}
    if status != 200:
        refused = _manifest_errors(body, chunk)
        chunk = [sid for sid in chunk if sid not in refused]
        if not chunk:
            return {}, refused, False
        status, body = client.create_manifest(courier, chunk)
        if status != 200:
            raise TransientMarketplaceError(f"AJIO rejected the manifest: {body.get('message')}")
    result = body.get("result") or {}
    return {sid: str(result["manifest_id"]) for sid in chunk}, refused, bool(result.get("late"))


def sla_headroom(batch: FlowBatch, orders: Sequence[FlowOrder], now: datetime) -> float:
    """Modelled formula: (deadline - now) / (deadline - batch start) x 100, the deadline being the
    earliest of the orders' dispatch-by times and the batch's cut-off."""
    deadlines = [batch.cutoff_at] + [as_utc(o.dispatch_by) for o in orders if o.dispatch_by is not None]
    return max(0.0, headroom_pct(batch.created_at, min(deadlines), now))


def _manifest_errors(body: dict[str, Any], chunk: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in body.get("errors") or []:
        m = _SHIPMENT_RE.match(str(err.get("field") or ""))
        if m and int(m.group(1)) < len(chunk):
            out[chunk[int(m.group(1))]] = f"manifest rejected: {err.get('code')}: {err.get('message')}"
    return out
