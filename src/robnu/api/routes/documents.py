"""``GET /v1/documents/{id}``: a stored document (slip, invoice, label, manifest, evidence packet), streamed,
after checking it is the caller's seller's (another seller's id is 404, like a missing one)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import ERRORS, IdPath
from robnu.db.stock_models import Document
from robnu.domain.errors import NotFound
from robnu.domain.permissions import Permission
from robnu.services.claims.disputes import storage_for

router = APIRouter(prefix="/v1", tags=["documents"])
CHUNK = 64 * 1024
EXTENSIONS = {"application/pdf": ".pdf", "application/zip": ".zip", "text/csv": ".csv"}


@router.get(
    "/documents/{document_id}",
    response_class=StreamingResponse,
    responses={**ERRORS, 200: {"content": {"application/pdf": {}, "application/zip": {}}}},
)
def download(document_id: IdPath, tenant: Tenant = require(Permission.DOCUMENTS_READ)) -> StreamingResponse:
    doc = tenant.session.execute(
        select(Document).where(Document.id == document_id, Document.seller_id == tenant.seller_id)
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    content = storage_for(tenant.rt).get(doc.storage_key)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(content), CHUNK):
            yield content[start : start + CHUNK]

    name = f"{doc.doc_type.lower()}-{doc.id}{EXTENSIONS.get(doc.content_type, '.bin')}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(len(content))}
    return StreamingResponse(chunks(), media_type=doc.content_type, headers=headers)
