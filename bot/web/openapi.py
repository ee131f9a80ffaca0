"""Describe the web API as an OpenAPI 3.1 document (served at /openapi.json)."""
from __future__ import annotations

from typing import Any

_LINK = {"type": "object", "properties": {"id": {"type": "string"}, "question": {"type": "string"}}}
_ENTRY = {"type": "object", "properties": {
    "id": {"type": "string"}, "category": {"type": "string"}, "question": {"type": "string"},
    "summary": {"type": "string"}, "answer_html": {"type": "string", "description": "escaped HTML"},
    "sources": {"type": "array", "items": {"type": "string"}}}}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": _ERROR}}} for c in codes}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "XinZhi (信知) API", "version": "1",
             "description": "Answers only from XinZhi's curated, sourced knowledge base. Optional bearer token."},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{}, {"bearer": []}],
    "paths": {
        "/api/v1/ask": {"post": {
            "summary": "Answer a question, or open an entry by id (a suggestion, related question or topic)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "text": {"type": "string", "maxLength": 500},
                "entry": {"type": "string", "description": "open this entry instead of matching text"},
                "picked": {"type": "boolean", "description": "the entry was chosen from suggestions"},
                "context": {"type": ["string", "null"], "description": "opaque signed token from the last reply"}}}}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "kind": {"enum": ["answer", "suggest", "fallback", "empty"]}, "crisis": {"type": "boolean"},
                "entry": {"oneOf": [_ENTRY, {"type": "null"}]},
                "suggestions": {"type": "array", "items": _LINK}, "related": {"type": "array", "items": _LINK},
                "message": {"type": "string"},
                "channel": {"type": "string", "description": "on a fallback: the official line for the domain the question belongs to, else empty"},
                "notice": {"type": "string"}, "disclaimer": {"type": "string"},
                "context": {"type": "string"}}}), **_errors(400, 401, 404, 413, 422, 429)}}},
        "/api/v1/feedback": {"post": {
            "summary": "Record 👍 (helpful=true) or 👎 for an entry",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object",
                "required": ["entry", "helpful"],
                "properties": {"entry": {"type": "string"}, "helpful": {"type": "boolean"}}}}}},
            "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 404, 413, 422, 429)}}},
        "/api/v1/topics": {"get": {"summary": "Categories and their questions",
                                   "responses": {"200": _json({"type": "object"}), **_errors(401, 429)}}},
        "/api/v1/entries/{entry_id}": {"get": {
            "summary": "One entry with its related questions",
            "parameters": [{"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(_ENTRY), **_errors(401, 404, 429)}}},
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"})}}},
    },
}
