"""mitmproxy addon that stands in front of moto (reverse proxy mode).

- Answers StartInstanceRefresh, which moto does not implement (it returns an HTML 500), with the
  response AWS documents for it, and records the request's parameters.
- Throttles the first FAULTS_THROTTLE_COUNT calls of the Query-protocol action
  FAULTS_THROTTLE_ACTION with AWS's own Throttling error, so SDK retries can be tested.

Every answer it makes itself is appended as one JSON line to FAULTS_LOG.
"""

import json
import os
import uuid
from urllib.parse import parse_qs

from mitmproxy import http

LOG = os.environ.get("FAULTS_LOG")
THROTTLE_ACTION = os.environ.get("FAULTS_THROTTLE_ACTION", "")
THROTTLE_COUNT = int(os.environ.get("FAULTS_THROTTLE_COUNT", "0"))
throttled = {}


def record(entry):
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def query_params(flow):
    body = flow.request.get_text(strict=False) or ""
    if "Action=" not in body:
        return {}
    return {k: v[0] for k, v in parse_qs(body).items()}


def request(flow: http.HTTPFlow) -> None:
    params = query_params(flow)
    action = params.get("Action")
    if action == "StartInstanceRefresh":
        refresh_id = str(uuid.uuid4())
        record({"action": action, "params": params, "instance_refresh_id": refresh_id})
        body = (
            '<StartInstanceRefreshResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">'
            f"<StartInstanceRefreshResult><InstanceRefreshId>{refresh_id}</InstanceRefreshId></StartInstanceRefreshResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</StartInstanceRefreshResponse>"
        )
        flow.response = http.Response.make(200, body, {"Content-Type": "text/xml"})
        return
    if action and action == THROTTLE_ACTION and throttled.get(action, 0) < THROTTLE_COUNT:
        throttled[action] = throttled.get(action, 0) + 1
        record({"action": action, "throttled": throttled[action]})
        body = (
            '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">'
            "<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )
        flow.response = http.Response.make(400, body, {"Content-Type": "text/xml"})
