"""Trusted documents: operations known ahead by their sha256, from a manifest loaded at start.

A client names a document by ``documentId`` (``sha256:<hex>``, the GraphQL-over-HTTP
persisted-documents proposal) or by Apollo's ``extensions.persistedQuery.sha256Hash``.
Modes: ``off`` (only document text), ``allow`` (ids from the manifest or registered by APQ,
and any text), ``only`` (the manifest and nothing else: production for web and mobile apps).

The manifest is either a JSON object ``{"<sha256>": "<document>"}`` (GraphQL Code Generator's
``persisted-documents.json``) or Apollo's ``apollo-persisted-query-manifest`` format.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from gateway.errors import error
from gateway.operation import RequestError

NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"


class Mode(StrEnum):
    OFF = "off"
    ALLOW = "allow"
    ONLY = "only"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse_manifest(raw: bytes) -> dict[str, str]:
    """Hash -> document; a hash that does not match its document refuses the whole file."""
    data = orjson.loads(raw)
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        pairs = [(str(op["id"]), str(op["body"])) for op in data.get("operations") or ()]
    elif isinstance(data, dict):
        pairs = [(str(k), str(v)) for k, v in data.items()]
    else:
        raise ValueError("the trusted documents manifest must be a JSON object")
    documents: dict[str, str] = {}
    for document_id, body in pairs:
        digest = document_id.removeprefix("sha256:").lower()
        if sha256(body) != digest:
            raise ValueError(f"trusted document {document_id} does not match its sha256")
        documents[digest] = body
    return documents


def _refuse(message: str, code: str) -> RequestError:
    return RequestError([error(message, code)])


class TrustedDocuments:
    def __init__(
        self, mode: Mode | str = Mode.OFF, documents: dict[str, str] | None = None
    ) -> None:
        self.mode = Mode(mode)
        self.documents = documents or {}
        # Allow mode: documents clients registered APQ-style (hash + text), bounded.
        self.registered: OrderedDict[str, str] = OrderedDict()
        self.registered_size = 10000

    @classmethod
    def from_settings(cls, settings: Any) -> TrustedDocuments:
        path: Path | None = settings.gateway_trusted_manifest
        documents = parse_manifest(Path(path).read_bytes()) if path else {}
        mode = Mode(settings.gateway_trusted_documents)
        if mode == Mode.ONLY and not documents:
            raise ValueError("SGO_GATEWAY_TRUSTED_DOCUMENTS=only needs a manifest")
        return cls(mode, documents)

    def resolve(self, query: Any, document_id: Any, extensions: Any) -> Any:
        """The document text to run (``query`` unchanged when no id is involved)."""
        wanted = _requested_id(document_id, extensions)
        if wanted is None:
            if self.mode == Mode.ONLY and (
                not isinstance(query, str) or sha256(query) not in self.documents
            ):
                raise _refuse(
                    "Сервер выполняет только заранее зарегистрированные запросы.", NOT_IN_LIST
                )
            return query
        if self.mode == Mode.OFF:
            if isinstance(query, str):
                return query  # the text is what runs; the hash is only a hint
            raise _refuse("Сохранённые запросы не поддерживаются.", NOT_SUPPORTED)
        if isinstance(query, str) and sha256(query) != wanted:
            raise _refuse("Хеш не совпадает с текстом запроса.", "BAD_REQUEST")
        known = self.documents.get(wanted) or self.registered.get(wanted)
        if known is not None:
            return known
        if self.mode == Mode.ALLOW and isinstance(query, str):
            self.registered[wanted] = query
            if len(self.registered) > self.registered_size:
                self.registered.popitem(last=False)
            return query
        raise _refuse("Сохранённый запрос не найден.", NOT_FOUND)


def _requested_id(document_id: Any, extensions: Any) -> str | None:
    if isinstance(document_id, str) and document_id:
        return document_id.removeprefix("sha256:").lower()
    if isinstance(extensions, dict):
        persisted = extensions.get("persistedQuery")
        if isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
            return persisted["sha256Hash"].lower()
    return None
