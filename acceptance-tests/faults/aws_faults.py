"""mitmproxy addon that stands in front of moto (reverse proxy mode).

- Answers StartInstanceRefresh, which moto does not implement (it returns an HTML 500), with the
  response AWS documents for it, and records the request's parameters.
- Throttles the first FAULTS_THROTTLE_COUNT calls of the Query-protocol action
  FAULTS_THROTTLE_ACTION with AWS's own Throttling error, so SDK retries can be tested.
- Fails a fraction FAULTS_FAIL_FRACTION of all requests before they reach moto, half with the
  service's throttling error and half with a 5xx, as AWS does on a bad day.
- Loses the answer of a fraction FAULTS_LOSE_FRACTION of the requests moto did carry out: the
  client gets a 500 instead, as when a connection drops after AWS acted. Its retry then meets
  what the first attempt made ("already exists").
- Answers a CopyImage, CreateLaunchTemplate or CreateLaunchTemplateVersion whose ClientToken it
  has seen, and an ELBv2 CreateLoadBalancer for a name it has created, with the first answer, as
  AWS does for these idempotent calls (moto ignores ClientToken: it copies again and adds a
  second version, and makes a second load balancer of the same name).
- Answers CreateAutoScalingGroup for a name it saw created (and not deleted) with AWS's
  AlreadyExists (moto fails with a bodiless 500).
- Gives CopyImage what AWS does and moto lacks: the request's TagSpecification tags on the new
  image (sent to moto as CreateTags), and InvalidAMIName.Duplicate for a name still in use.
- Turns moto's 500s for calls on what is already gone into AWS's errors: NoSuchEntity for
  RemoveRoleFromInstanceProfile of a role no longer in the profile, ValidationError for
  DeleteAutoScalingGroup of a missing group.
- Answers the first FAULTS_IAM_PROPAGATION calls of CreateAutoScalingGroup with the error
  Auto Scaling gives while a new instance profile has not propagated.
- Answers every call of the Query-protocol action FAULTS_BODILESS_ACTION with a bodiless 500
  (only a request id header), as moto does for calls it cannot handle, so the provider's
  message for an answer that says nothing can be tested.
Each draw is a hash of FAULTS_SEED, the call (action, or S3 method and path) and how many times
that call was seen, so the same calls meet the same faults whatever order Terraform's parallel
walk sends them in, and a failing run can be replayed.

Every answer it makes itself is appended as one JSON line to FAULTS_LOG.
"""

import hashlib
import json
import os
import re
import urllib.request
import uuid
from urllib.parse import parse_qs, urlencode

from mitmproxy import http

LOG = os.environ.get("FAULTS_LOG")
THROTTLE_ACTION = os.environ.get("FAULTS_THROTTLE_ACTION", "")
THROTTLE_COUNT = int(os.environ.get("FAULTS_THROTTLE_COUNT", "0"))
BODILESS_ACTION = os.environ.get("FAULTS_BODILESS_ACTION", "")
throttled = {}
FAIL_FRACTION = float(os.environ.get("FAULTS_FAIL_FRACTION", "0"))
LOSE_FRACTION = float(os.environ.get("FAULTS_LOSE_FRACTION", "0"))
IAM_PROPAGATION = int(os.environ.get("FAULTS_IAM_PROPAGATION", "0"))
propagation_errors = 0
SEED = os.environ.get("FAULTS_SEED", "0")
seen = {}


def draw(kind, call):
    """A number in [0, 1) fixed by the seed, the kind of fault, the call and its occurrence."""
    seen[(kind, call)] = seen.get((kind, call), 0) + 1
    digest = hashlib.sha256(f"{SEED}:{kind}:{call}:{seen[(kind, call)]}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
# Images copied through the proxy and not deregistered: id -> name.
images = {}
# Autoscaling groups created through the proxy and not deleted.
scaling_groups = set()
# Idempotent creates: (action, key) -> the first answer.
first_answers = {}


def idempotency_key(params):
    action = params.get("Action")
    if action in ("CopyImage", "CreateLaunchTemplate", "CreateLaunchTemplateVersion") and params.get("ClientToken"):
        return (action, params["ClientToken"])
    if action == "CreateLoadBalancer" and params.get("Version") == "2015-12-01":
        return (action, params.get("Name"))
    return None


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
        flow.metadata["answered_by_proxy"] = True
        return
    key = idempotency_key(params)
    if key in first_answers:
        record({"action": action, "replayed": key[1]})
        flow.response = http.Response.make(200, first_answers[key], {"Content-Type": "text/xml"})
        flow.metadata["answered_by_proxy"] = True
        return
    global propagation_errors
    if action == "CreateAutoScalingGroup" and propagation_errors < IAM_PROPAGATION:
        propagation_errors += 1
        record({"action": action, "iam_propagation": propagation_errors})
        flow.response = query_error(
            400,
            "ValidationError",
            "You must use a valid fully-formed launch template. Value (circleci-nomad) for parameter "
            "iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
        )
        flow.metadata["answered_by_proxy"] = True
        return
    if action == "CreateAutoScalingGroup" and params.get("AutoScalingGroupName") in scaling_groups:
        record({"action": action, "already_exists": params["AutoScalingGroupName"]})
        flow.response = query_error(
            400,
            "AlreadyExists",
            f"AutoScalingGroup by this name already exists - A group with the name {params['AutoScalingGroupName']} already exists",
        )
        flow.metadata["answered_by_proxy"] = True
        return
    if action == "CopyImage" and params.get("Name") in images.values():
        record({"action": action, "duplicate_name": params["Name"]})
        flow.response = ec2_error(400, "InvalidAMIName.Duplicate", f"AMI name {params['Name']} is already in use by AMI ami-x")
        flow.metadata["answered_by_proxy"] = True
        return
    if action == "DeregisterImage":
        images.pop(params.get("ImageId"), None)
    if action == "DeleteLoadBalancer" and params.get("Version") == "2015-12-01":
        arn = params.get("LoadBalancerArn", "")
        for k in [k for k, body in first_answers.items() if arn and arn in body]:
            del first_answers[k]
    if action and action == BODILESS_ACTION:
        request_id = str(uuid.uuid4())
        record({"action": action, "bodiless": request_id})
        flow.response = http.Response.make(500, b"", {"x-amzn-RequestId": request_id})
        flow.metadata["answered_by_proxy"] = True
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
        flow.metadata["answered_by_proxy"] = True
        return
    if FAIL_FRACTION and draw("fail", action or operation(flow)) < FAIL_FRACTION:
        throttle = draw("throttle", action or operation(flow)) < 0.5
        record({"action": action or operation(flow), "failed": "throttled" if throttle else "5xx"})
        flow.response = error_response(flow, throttle)
        flow.metadata["answered_by_proxy"] = True


def response(flow: http.HTTPFlow) -> None:
    if flow.metadata.get("answered_by_proxy"):
        return
    params = query_params(flow)
    if params.get("Action") == "RemoveRoleFromInstanceProfile" and flow.response.status_code == 500:
        flow.response = query_error(
            404,
            "NoSuchEntity",
            f"Role {params.get('RoleName')} is not in instance profile {params.get('InstanceProfileName')}.",
        )
    if params.get("Action") == "DeleteAutoScalingGroup" and flow.response.status_code == 500:
        flow.response = query_error(
            400, "ValidationError", f"AutoScalingGroup name not found - no such group: {params.get('AutoScalingGroupName')}"
        )
    if flow.response.status_code == 200 and params.get("Action") == "CopyImage":
        match = re.search(r"<imageId>([^<]+)</imageId>", flow.response.get_text() or "", re.IGNORECASE)
        if match:
            images[match.group(1)] = params.get("Name")
            tag_at_birth(flow, match.group(1), params)
    if flow.response.status_code == 200 and params.get("Action") == "CreateAutoScalingGroup":
        scaling_groups.add(params.get("AutoScalingGroupName"))
    if flow.response.status_code == 200 and params.get("Action") == "DeleteAutoScalingGroup":
        scaling_groups.discard(params.get("AutoScalingGroupName"))
    key = idempotency_key(params)
    if key and flow.response.status_code == 200:
        first_answers[key] = flow.response.get_text()
    if not LOSE_FRACTION:
        return
    if draw("lose", params.get("Action") or operation(flow)) < LOSE_FRACTION:
        record({"action": query_params(flow).get("Action") or operation(flow), "lost": flow.response.status_code})
        flow.response = error_response(flow, False)


def tag_at_birth(flow, image_id, params):
    """Puts a CopyImage request's TagSpecification tags on the new image, through moto's CreateTags."""
    tags = {}
    for key, value in params.items():
        found = re.fullmatch(r"TagSpecification\.\d+\.Tag\.(\d+)\.(Key|Value)", key)
        if found:
            tags.setdefault(found.group(1), {})[found.group(2)] = value
    if not tags:
        return
    form = {"Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": image_id}
    for n, tag in enumerate(tags.values(), start=1):
        form[f"Tag.{n}.Key"] = tag.get("Key", "")
        form[f"Tag.{n}.Value"] = tag.get("Value", "")
    request = urllib.request.Request(
        f"http://{flow.request.host}:{flow.request.port}/",
        data=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": flow.request.headers.get("Authorization", ""),
        },
    )
    urllib.request.urlopen(request, timeout=10).read()


def operation(flow):
    """What a non-Query request did, for the log (S3 speaks REST)."""
    return f"{flow.request.method} {flow.request.path.split('?')[0]}"


def query_error(status, code, message, kind="Sender"):
    """An error in the Query protocol's shape (IAM, Auto Scaling, ELBv2)."""
    xml = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return http.Response.make(status, xml, {"Content-Type": "text/xml"})


def ec2_error(status, code, message):
    """An error in EC2's own shape."""
    xml = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
        f"<RequestID>{uuid.uuid4()}</RequestID></Response>"
    )
    return http.Response.make(status, xml, {"Content-Type": "text/xml"})


def error_response(flow, throttle):
    """AWS's error for throttling (400, or S3's 503 SlowDown) or an internal error (500/503),
    in the protocol the request spoke."""
    body = flow.request.get_text(strict=False) or ""
    if "Action=" not in body:
        code, message = ("SlowDown", "Please reduce your request rate.") if throttle else ("InternalError", "We encountered an internal error. Please try again.")
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{uuid.uuid4()}</RequestId></Error>"
        return http.Response.make(503 if throttle else 500, xml, {"Content-Type": "application/xml"})
    if "Version=2016-11-15" in body:
        if throttle:
            return ec2_error(503, "RequestLimitExceeded", "Request limit exceeded.")
        return ec2_error(500, "InternalError", "An internal error has occurred.")
    if throttle:
        return query_error(400, "Throttling", "Rate exceeded")
    return query_error(500, "InternalFailure", "The request processing has failed because of an unknown error.", "Receiver")
