"""The error envelope ``{error_code, message[, errors]}`` and the errors the emulator answers with."""

from __future__ import annotations

SERVER_ERROR_MESSAGE = "Something unexpected happened. We are investigating this issue. Please try again later."


class ApiError(Exception):
    """An error response: HTTP status, Xendit ``error_code``, message, optional ``errors`` list."""

    def __init__(self, status: int, code: str, message: str, errors: list | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict:
        body: dict[str, object] = {"error_code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid_api_key() -> ApiError:
    return ApiError(401, "INVALID_API_KEY", "API key is not authorized for this API")


def session_not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "Session not found")


def invalid_session_status(status: str, http_status: int = 422) -> ApiError:
    return ApiError(http_status, "INVALID_SESSION_STATUS", f"Session status is {status}, expecting ACTIVE")


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def server_error() -> ApiError:
    return ApiError(500, "SERVER_ERROR", SERVER_ERROR_MESSAGE)
