"""mitmproxy addon that stands in front of a JSON API fake (reverse proxy mode): the project's
fake Google APIs (FAULTS_DIALECT=google) or fake Kubernetes API server (=kubernetes).

- Fails a fraction FAULTS_FAIL_FRACTION of all requests before they reach the fake, half with
  the API's rate-limit error (429) and half with 503, each in the API's own error shape:
  Google's {"error": {"code", "message", "status", "errors": [{"reason"}]}}, or a Kubernetes
  Status (with Retry-After on 429, as the API server sends).
- Loses the answer of a fraction FAULTS_LOSE_FRACTION of the requests the fake did carry out:
  the client gets a 503 instead, as when a connection drops after the server acted.
Each draw is a hash of FAULTS_SEED, the call (method and path) and how many times that call was
seen, so the same calls meet the same faults whatever order Terraform's parallel walk sends them
in, and a failing run can be replayed. Every answer it makes itself is appended as one JSON line
to FAULTS_LOG.
"""

import hashlib
import json
import os

from mitmproxy import http

LOG = os.environ.get("FAULTS_LOG")
DIALECT = os.environ.get("FAULTS_DIALECT", "google")
FAIL_FRACTION = float(os.environ.get("FAULTS_FAIL_FRACTION", "0"))
LOSE_FRACTION = float(os.environ.get("FAULTS_LOSE_FRACTION", "0"))
SEED = os.environ.get("FAULTS_SEED", "0")
seen = {}


def draw(kind, call):
    """A number in [0, 1) fixed by the seed, the kind of fault, the call and its occurrence."""
    seen[(kind, call)] = seen.get((kind, call), 0) + 1
    digest = hashlib.sha256(f"{SEED}:{kind}:{call}:{seen[(kind, call)]}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def record(entry):
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def call(flow):
    return f"{flow.request.method} {flow.request.path.split('?')[0]}"


def error_response(status):
    """The API's own error for 429 (rate limited) or 503 (unavailable)."""
    if DIALECT == "kubernetes":
        reason, message = (
            ("TooManyRequests", "the server has received too many requests and has asked us to try again later")
            if status == 429
            else ("ServiceUnavailable", "the server is currently unable to handle the request")
        )
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": {"retryAfterSeconds": 1},
            "code": status,
        }
        headers = {"Content-Type": "application/json", "Retry-After": "1"}
    else:
        reason, state, message = (
            ("rateLimitExceeded", "RESOURCE_EXHAUSTED", "Rate Limit Exceeded")
            if status == 429
            else ("backendError", "UNAVAILABLE", "The service is currently unavailable.")
        )
        body = {
            "error": {
                "code": status,
                "message": message,
                "status": state,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        }
        headers = {"Content-Type": "application/json; charset=UTF-8"}
    return http.Response.make(status, json.dumps(body), headers)


def request(flow: http.HTTPFlow) -> None:
    if FAIL_FRACTION and draw("fail", call(flow)) < FAIL_FRACTION:
        status = 429 if draw("throttle", call(flow)) < 0.5 else 503
        record({"call": call(flow), "failed": status})
        flow.response = error_response(status)
        flow.metadata["answered_by_proxy"] = True


def response(flow: http.HTTPFlow) -> None:
    if flow.metadata.get("answered_by_proxy") or not LOSE_FRACTION:
        return
    if draw("lose", call(flow)) < LOSE_FRACTION:
        record({"call": call(flow), "lost": flow.response.status_code})
        flow.response = error_response(503)
