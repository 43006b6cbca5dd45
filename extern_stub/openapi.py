"""The OpenAPI 3.1 description of a site, served at ``/openapi.json``; the tests keep it true."""

from __future__ import annotations

from typing import Any

import extern_stub
from extern_stub.errors import OAUTH_ERROR_CODES
from extern_stub.sites import DEFAULT_TAKE, MAX_SKIP, MAX_TAKE

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"

TRACE_HEADER = {
    "X-Kontur-Trace-Id": {
        "description": "Identifies the request; support asks for it.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    }
}
NO_STORE = {
    **TRACE_HEADER,
    "Cache-Control": {"schema": {"const": "no-store, no-cache, max-age=0"}},
    "Pragma": {"schema": {"const": "no-cache"}},
}

DESCRIPTION = (
    "A local stand-in for one Kontur environment: the OpenID provider (/connect, /.well-known) "
    "and the Extern API (/v1) on one base URL. Errors under /connect use the OAuth shape, "
    "elsewhere the Extern API shape."
)


def ref(name: str) -> dict[str, str]:
    """A reference to the schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def oauth_error(description: str) -> dict[str, Any]:
    """A response in the OAuth error shape."""
    return {
        "description": description,
        "headers": NO_STORE,
        "content": {JSON: {"schema": ref("OAuthError")}},
    }


def extern_error(description: str) -> dict[str, Any]:
    """A response in the Extern API error shape."""
    return {
        "description": description,
        "headers": TRACE_HEADER,
        "content": {JSON: {"schema": ref("ExternError")}},
    }


def html_page(description: str) -> dict[str, Any]:
    """A response holding an HTML page."""
    return {
        "description": description,
        "headers": TRACE_HEADER,
        "content": {HTML: {"schema": {"type": "string"}}},
    }


def redirect(description: str) -> dict[str, Any]:
    """A redirect back to the application."""
    return {
        "description": description,
        "headers": {**TRACE_HEADER, "Location": {"required": True, "schema": {"type": "string"}}},
    }


# Unknown paths (404) and methods (405) answer in the same shapes, outside any operation.
IDENTITY_ERRORS = {
    "413": oauth_error("The body is larger than 64 KiB."),
}
EXTERN_ERRORS = {
    "401": extern_error("Missing, unknown or expired access token, or another environment's."),
    "403": extern_error("The access token lacks the scope extern.api."),
    "413": extern_error("The body is larger than 64 KiB."),
    "429": extern_error("More than 20 requests of this client in flight."),
}
# What the two HTML forms (login-and-consent, device approval) answer besides their own pages.
FORM_ERRORS = {
    "403": html_page(
        "Posted from another origin, or without the anti-forgery token of the page (the page "
        "again)."
    ),
    "429": html_page(
        "Too many wrong codes or passwords: try again after Retry-After seconds (the page again)."
    ),
    **IDENTITY_ERRORS,
}

FORM_BODY = {
    "required": True,
    "content": {FORM: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}},
}

SCHEMAS: dict[str, Any] = {
    "TokenRequest": {
        "type": "object",
        "description": "client_id and client_secret may come in HTTP Basic instead.",
        "properties": {
            "grant_type": {
                "enum": [
                    "client_credentials",
                    "password",
                    "urn:ietf:params:oauth:grant-type:device_code",
                    "authorization_code",
                    "refresh_token",
                ]
            },
            "client_id": {"type": "string", "maxLength": 300},
            "client_secret": {"type": "string", "maxLength": 300},
            "scope": {"type": "string", "examples": ["extern.api"]},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "device_code": {"type": "string"},
            "code": {"type": "string"},
            "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
        "required": ["grant_type"],
    },
    "TokenResponse": {
        "type": "object",
        "properties": {
            "access_token": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer", "minimum": 1},
            "refresh_token": {"type": "string"},
            "scope": {"type": "string"},
            "id_token": {
                "type": "string",
                "description": "With the scope openid: a JWT signed with a key of the JWKS.",
            },
        },
        "required": ["access_token", "token_type", "expires_in"],
        "additionalProperties": False,
    },
    "DeviceAuthorizationResponse": {
        "type": "object",
        "properties": {
            "device_code": {"type": "string"},
            "user_code": {"type": "string"},
            "verification_uri": {"type": "string"},
            "verification_uri_complete": {"type": "string"},
            "expires_in": {"type": "integer", "minimum": 1},
            "interval": {"type": "integer", "minimum": 0},
        },
        "required": [
            "device_code",
            "user_code",
            "verification_uri",
            "verification_uri_complete",
            "expires_in",
            "interval",
        ],
        "additionalProperties": False,
    },
    "OAuthError": {
        "type": "object",
        "properties": {
            "error": {"enum": sorted(OAUTH_ERROR_CODES)},
            "error_description": {"type": "string"},
        },
        "required": ["error", "error_description"],
        "additionalProperties": False,
    },
    "Discovery": {
        "type": "object",
        "properties": {
            "issuer": {"type": "string"},
            "jwks_uri": {"type": "string"},
            "authorization_endpoint": {"type": "string"},
            "token_endpoint": {"type": "string"},
            "device_authorization_endpoint": {"type": "string"},
            "userinfo_endpoint": {"type": "string"},
            "scopes_supported": {"type": "array", "items": {"type": "string"}},
            "grant_types_supported": {"type": "array", "items": {"type": "string"}},
            "response_types_supported": {"type": "array", "items": {"type": "string"}},
        },
        "required": [
            "issuer",
            "jwks_uri",
            "authorization_endpoint",
            "token_endpoint",
            "device_authorization_endpoint",
            "userinfo_endpoint",
            "response_types_supported",
        ],
    },
    "Jwks": {
        "type": "object",
        "properties": {
            "keys": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "kty": {"const": "RSA"},
                        "kid": {"type": "string"},
                        "use": {"const": "sig"},
                        "alg": {"const": "RS256"},
                        "n": {"type": "string"},
                        "e": {"type": "string"},
                    },
                    "required": ["kty", "kid", "n", "e"],
                },
            }
        },
        "required": ["keys"],
    },
    "UserInfo": {
        "type": "object",
        "properties": {"sub": {"type": "string"}, "preferred_username": {"type": "string"}},
        "required": ["sub"],
        "additionalProperties": False,
    },
    "Link": {
        "type": "object",
        "properties": {"rel": {"type": "string"}, "href": {"type": "string"}},
        "required": ["rel", "href"],
    },
    "Account": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            # An organisation: 10 digits and a KPP; an individual entrepreneur: 12, no KPP.
            # A KPP: four digits, two digits or Latin capitals, three digits (the SDK's Kpp.cs).
            "inn": {"type": "string", "pattern": "^([0-9]{10}|[0-9]{12})$"},
            "kpp": {"type": ["string", "null"], "pattern": r"^(\d{4})((\d|[A-Z]){2})(\d{3})$"},
            "organization-name": {"type": "string"},
            "links": {"type": "array", "items": ref("Link")},
        },
        "required": ["id", "inn", "kpp", "organization-name", "links"],
        "additionalProperties": False,
    },
    "AccountList": {
        "type": "object",
        "properties": {
            "skip": {"type": "integer", "minimum": 0},
            "take": {"type": "integer", "minimum": 0},
            "total-count": {"type": "integer", "minimum": 0},
            "accounts": {"type": "array", "items": ref("Account")},
        },
        "required": ["skip", "take", "total-count", "accounts"],
        "additionalProperties": False,
    },
    "ExternError": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^urn:error:externapi:[A-Za-z]+$"},
            "status-code": {"type": "integer", "minimum": 400, "maximum": 599},
            "message": {"type": "string"},
            "track-id": {"type": "string"},
            "trace-id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        },
        "required": ["id", "status-code", "message", "trace-id"],
        "additionalProperties": False,
    },
}


def build(base_url: str) -> dict[str, Any]:
    """The OpenAPI document of the site at ``base_url``."""
    bearer = [{"bearer": []}]
    paths: dict[str, Any] = {
        "/connect/token": {
            "post": {
                "summary": "Get an access token",
                "tags": ["identity"],
                "security": [{}, {"basic": []}],
                "requestBody": {
                    "required": True,
                    "content": {FORM: {"schema": ref("TokenRequest")}},
                },
                "responses": {
                    "200": {
                        "description": "The access token.",
                        "headers": NO_STORE,
                        "content": {JSON: {"schema": ref("TokenResponse")}},
                    },
                    "400": oauth_error("Refused; read the error field."),
                    "401": oauth_error("Wrong client credentials sent in HTTP Basic only."),
                    **IDENTITY_ERRORS,
                },
            }
        },
        "/connect/deviceauthorization": {
            "post": {
                "summary": "Start the device flow",
                "tags": ["identity"],
                "security": [{}, {"basic": []}],
                "requestBody": FORM_BODY,
                "responses": {
                    "200": {
                        "description": "Codes for the device and for its user.",
                        "headers": NO_STORE,
                        "content": {JSON: {"schema": ref("DeviceAuthorizationResponse")}},
                    },
                    "400": oauth_error("Refused; read the error field."),
                    "401": oauth_error("Wrong client credentials sent in HTTP Basic only."),
                    **IDENTITY_ERRORS,
                },
            }
        },
        "/connect/authorize": {
            "get": {
                "summary": "Login-and-consent page of the authorization code flow",
                "tags": ["identity"],
                "parameters": [
                    {
                        "name": name,
                        "in": "query",
                        "required": required,
                        # An empty value counts as missing (RFC 6749 section 3.1).
                        "schema": {"type": "string", "minLength": 1},
                    }
                    for name, required in (
                        ("client_id", True),
                        ("redirect_uri", True),
                        ("response_type", True),
                        ("scope", True),
                        ("state", True),
                        ("nonce", False),
                        ("code_challenge", False),
                        ("code_challenge_method", False),
                        ("prompt", False),
                    )
                ],
                "responses": {
                    "200": html_page("The login-and-consent page."),
                    "302": redirect("Back to the application with error and state."),
                    "400": oauth_error("Unknown client or unregistered redirect_uri."),
                    **IDENTITY_ERRORS,
                },
            },
            "post": {
                "summary": "Answer of the login-and-consent page",
                "tags": ["identity"],
                "requestBody": FORM_BODY,
                "responses": {
                    "302": redirect("Back to the application with code and state, or error."),
                    "400": {
                        "description": "Wrong login (the page again) or a refused request.",
                        "headers": TRACE_HEADER,
                        "content": {
                            HTML: {"schema": {"type": "string"}},
                            JSON: {"schema": ref("OAuthError")},
                        },
                    },
                    **FORM_ERRORS,
                },
            },
        },
        "/device": {
            "get": {
                "summary": "Page where a person approves a device",
                "tags": ["identity"],
                "parameters": [{"name": "user_code", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": html_page("The page."), **IDENTITY_ERRORS},
            },
            "post": {
                "summary": "Approve or deny a device",
                "tags": ["identity"],
                "requestBody": FORM_BODY,
                "responses": {
                    "200": html_page("Done."),
                    "400": {
                        "description": "Unknown code or wrong login (the page again).",
                        "headers": TRACE_HEADER,
                        "content": {
                            HTML: {"schema": {"type": "string"}},
                            JSON: {"schema": ref("OAuthError")},
                        },
                    },
                    **FORM_ERRORS,
                },
            },
        },
        "/.well-known/openid-configuration": {
            "get": {
                "summary": "OpenID Connect discovery",
                "tags": ["identity"],
                "responses": {
                    "200": {
                        "description": "The provider's endpoints.",
                        "headers": TRACE_HEADER,
                        "content": {JSON: {"schema": ref("Discovery")}},
                    },
                    **IDENTITY_ERRORS,
                },
            }
        },
        "/connect/userinfo": {
            "get": {
                "summary": "GET: the signed-in user of an access token with the scope openid",
                "tags": ["identity"],
                "security": bearer,
                "responses": {
                    "200": {
                        "description": "Claims about the user.",
                        "headers": NO_STORE,
                        "content": {JSON: {"schema": ref("UserInfo")}},
                    },
                    "401": oauth_error("Missing, unknown or expired access token, or no user."),
                    "403": oauth_error("The access token lacks the scope openid."),
                    **IDENTITY_ERRORS,
                },
            },
            "post": {
                "summary": "POST: the signed-in user of an access token with the scope openid",
                "tags": ["identity"],
                "security": bearer,
                "responses": {
                    "200": {
                        "description": "Claims about the user.",
                        "headers": NO_STORE,
                        "content": {JSON: {"schema": ref("UserInfo")}},
                    },
                    "401": oauth_error("Missing, unknown or expired access token, or no user."),
                    "403": oauth_error("The access token lacks the scope openid."),
                    **IDENTITY_ERRORS,
                },
            },
        },
        "/.well-known/openid-configuration/jwks": {
            "get": {
                "summary": "Signing keys",
                "tags": ["identity"],
                "responses": {
                    "200": {
                        "description": "The public key that verifies the id_tokens.",
                        "headers": TRACE_HEADER,
                        "content": {JSON: {"schema": ref("Jwks")}},
                    },
                    **IDENTITY_ERRORS,
                },
            }
        },
        "/v1": {
            "get": {
                "summary": "Accounts of the user or application",
                "tags": ["extern"],
                "security": bearer,
                "parameters": [
                    {
                        "name": "skip",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": MAX_SKIP,
                            "default": 0,
                        },
                    },
                    {
                        "name": "take",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": MAX_TAKE,
                            "default": DEFAULT_TAKE,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of accounts.",
                        "headers": TRACE_HEADER,
                        "content": {JSON: {"schema": ref("AccountList")}},
                    },
                    "400": extern_error("Bad skip or take."),
                    **EXTERN_ERRORS,
                },
            }
        },
        "/v1/{accountId}": {
            "get": {
                "summary": "One account",
                "tags": ["extern"],
                "security": bearer,
                "parameters": [
                    {
                        "name": "accountId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The account.",
                        "headers": TRACE_HEADER,
                        "content": {JSON: {"schema": ref("Account")}},
                    },
                    "404": extern_error("No such account for this token."),
                    **EXTERN_ERRORS,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description",
                "tags": ["stub"],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1.",
                        "headers": TRACE_HEADER,
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kontur identity provider and Extern API (local stub)",
            "version": extern_stub.__version__,  # the sandbox is what this describes
            "description": DESCRIPTION,
        },
        "servers": [{"url": base_url}],
        "tags": [
            {"name": "identity", "description": "The OpenID provider."},
            {"name": "extern", "description": "The Extern API."},
            {"name": "stub", "description": "The stub itself."},
        ],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
