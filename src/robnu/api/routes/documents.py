"""``GET /v1/documents/{id}``: a stored document (slip, invoice, label, manifest, evidence packet), streamed,
after checking it is the caller's seller's (another seller's id is 404, like a missing one)."""

from __future__ import annotations

from itertools import chain

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import ERRORS, IdPath
from robnu.domain.permissions import Permission
from robnu.services.documents import open_document

router = APIRouter(prefix="/v1", tags=["documents"])
EXTENSIONS = {"application/pdf": ".pdf", "application/zip": ".zip", "text/csv": ".csv"}


@router.get(
    "/documents/{document_id}",
    response_class=StreamingResponse,
    responses={**ERRORS, 200: {"content": {"application/pdf": {}, "application/zip": {}}}},
)
def download(document_id: IdPath, tenant: Tenant = require(Permission.DOCUMENTS_READ)) -> StreamingResponse:
    # From whichever backend holds it (local directory or S3), read as it is sent; the stream checks the sha256
    # and withholds its last chunk from a damaged object. Another seller's id is NotFound, like a missing one.
    stream = open_document(tenant.session, tenant.rt.storage, seller_id=tenant.seller_id, document_id=document_id)
    # The first chunk is read before the response starts: a document of one chunk (most) is verified whole by
    # then, so a damaged one is a clean 503, not a cut-off download.
    first = next(stream.chunks, b"")
    name = f"{stream.doc_type.lower()}-{stream.document_id}{EXTENSIONS.get(stream.content_type, '.bin')}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(stream.size)}
    return StreamingResponse(chain([first], stream.chunks), media_type=stream.content_type, headers=headers)
