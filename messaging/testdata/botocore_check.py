#!/usr/bin/env python3
"""Check requests captured from the Go client against botocore.

Reads a JSON document on stdin:

    {"model": "path/to/service-model.json",
     "cases": [{"name": ..., "operation": ..., "region": ...,
                "credentials": {"access_key": ..., "secret_key": ..., "token": ...},
                "request": {"method": ..., "host": ..., "uri": "/raw/path?raw=query",
                            "headers": {"Name": ["value", ...]}, "body": "..."}}]}

For each case it
  1. de-serializes the request with the model's HTTP bindings (uri labels,
     querystring, headers, JSON body) into the operation's parameters;
  2. validates them with botocore.validate.ParamValidator against the input
     shape, and also checks max lengths, enums and patterns, which
     ParamValidator leaves to the service;
  3. serializes the parameters again with botocore's own rest-json serializer
     and compares method, path, query, model headers and body with the
     captured request;
  4. recomputes the SigV4 signature with botocore.auth.SigV4Auth over the
     captured headers, time and credentials and compares it.

Writes {"results": [{"name": ..., "errors": [...], "params": {...}}]} on
stdout. Exits 3 when botocore cannot be imported.
"""
import base64
import json
import re
import sys
from urllib.parse import unquote, urlsplit

try:
    import botocore
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest, prepare_request_dict
    from botocore.credentials import Credentials
    from botocore.model import ServiceModel
    from botocore.serialize import create_serializer
    from botocore.validate import ParamValidator
except ImportError as exc:  # pragma: no cover
    print(f"botocore is not importable by {sys.executable}: {exc}", file=sys.stderr)
    sys.exit(3)

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<akid>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]{64})$")


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v[0] if v else None
    return None


def deserialize(op_model, method, uri, headers, body, errors):
    """Reads the request back into parameters, as the service would."""
    http = op_model.http
    if method != http["method"]:
        errors.append(f"method {method}, model says {http['method']}")
    template, _, fixed_query = http["requestUri"].partition("?")
    raw_path, _, raw_query = uri.partition("?")
    shape = op_model.input_shape
    members = shape.members
    params = {}

    tsegs, asegs = template.split("/"), raw_path.split("/")
    if len(tsegs) != len(asegs):
        errors.append(f"path {raw_path} has {len(asegs)} segments, template {template} {len(tsegs)}")
    else:
        for ts, seg in zip(tsegs, asegs):
            if ts.startswith("{"):
                label = ts.strip("{}+")
                name = next((n for n, m in members.items()
                             if m.serialization.get("location") == "uri"
                             and m.serialization.get("name") == label), None)
                if name is None:
                    errors.append(f"label {label} has no uri member")
                else:
                    params[name] = unquote(seg)
            elif ts != seg:
                errors.append(f"path segment {seg!r}, template has {ts!r}")

    fixed = dict(kv.split("=", 1) for kv in fixed_query.split("&") if kv)
    seen = set()
    for pair in raw_query.split("&") if raw_query else []:
        k, _, v = pair.partition("=")
        k, v = unquote(k.replace("+", " ")), unquote(v.replace("+", " "))
        if k in seen:
            errors.append(f"query key {k} repeated")
        seen.add(k)
        if k in fixed:
            if fixed[k] != v:
                errors.append(f"query {k}={v}, requestUri fixes {fixed[k]}")
            continue
        name = next((n for n, m in members.items()
                     if m.serialization.get("location") == "querystring"
                     and m.serialization.get("name") == k), None)
        if name is None:
            errors.append(f"query key {k} not in the model")
            continue
        params[name] = int(v) if members[name].type_name in ("integer", "long") else v
    for k in fixed:
        if k not in seen:
            errors.append(f"query lacks {k} from the requestUri")

    for name, m in members.items():
        if m.serialization.get("location") == "header":
            v = header(headers, m.serialization["name"])
            if v is not None:
                params[name] = v

    body_members = [n for n, m in members.items() if not m.serialization.get("location")]
    if body:
        doc = json.loads(body)
        if not isinstance(doc, dict):
            errors.append("body is not a JSON object")
            doc = {}
        for k, v in doc.items():
            loc = members[k].serialization.get("location") if k in members else None
            if loc:
                errors.append(f"member {k} belongs in the {loc}, not the body")
                continue
            params[k] = v  # unknown names are left for ParamValidator to report
    elif body_members and any(n in shape.required_members for n in body_members):
        errors.append("no body, yet the model requires body members")
    return params


def java_pattern(pattern):
    """The model's Java pattern, for Python's re (\\uXXXXX -> \\UXXXXXXXX)."""
    return re.sub(r"\\u([0-9A-Fa-f]{5,6})", lambda m: "\\U%08X" % int(m.group(1), 16), pattern)


def check_limits(shape, value, path, errors):
    """Max lengths, enums and patterns, which ParamValidator does not check."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                check_limits(shape.members[k], v, f"{path}.{k}", errors)
    elif t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} items, max {meta['max']}")
        for i, v in enumerate(value):
            check_limits(shape.member, v, f"{path}[{i}]", errors)
    elif t == "map" and isinstance(value, dict):
        for k, v in value.items():
            check_limits(shape.key, k, f"{path}.key", errors)
            check_limits(shape.value, v, f"{path}[{k!r}]", errors)
    elif t == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: length {len(value)}, max {meta['max']}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in {shape.enum}")
        if "pattern" in meta and not re.fullmatch(java_pattern(meta["pattern"]), value):
            errors.append(f"{path}: {value!r} does not match {meta['pattern']!r}")
    elif t in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            errors.append(f"{path}: {value} above max {meta['max']}")


def compare_serialization(op_model, params, host, method, uri, headers, body, errors):
    """Serializes params with botocore and compares with the captured request."""
    serializer = create_serializer("rest-json", include_validation=False)
    rd = serializer.serialize_to_request(params, op_model)
    prepare_request_dict(rd, endpoint_url=f"http://{host}")
    parts = urlsplit(rd["url"])
    raw_path, _, raw_query = uri.partition("?")
    if rd["method"] != method:
        errors.append(f"botocore sends {rd['method']}, Go sent {method}")
    if parts.path != raw_path:
        errors.append(f"botocore path {parts.path}, Go sent {raw_path}")

    def pairs(q):
        return sorted((unquote(k.replace("+", " ")), unquote(v.replace("+", " ")))
                      for k, _, v in (p.partition("=") for p in q.split("&") if p))
    if pairs(parts.query) != pairs(raw_query):
        errors.append(f"botocore query {pairs(parts.query)}, Go sent {pairs(raw_query)}")
    for name, m in op_model.input_shape.members.items():
        if m.serialization.get("location") == "header":
            hn = m.serialization["name"]
            if rd["headers"].get(hn) != header(headers, hn):
                errors.append(f"header {hn}: botocore {rd['headers'].get(hn)!r}, Go {header(headers, hn)!r}")
    bb = rd["body"]
    if isinstance(bb, bytes):
        bb = bb.decode()
    if (json.loads(bb) if bb else None) != (json.loads(body) if body else None):
        errors.append(f"botocore body {bb!r}, Go sent {body!r}")
    bct = rd["headers"].get("Content-Type")
    if bct and bct != header(headers, "Content-Type"):
        errors.append(f"Content-Type: botocore {bct!r}, Go {header(headers, 'Content-Type')!r}")


def check_signature(case, host, method, uri, headers, body, errors):
    auth = header(headers, "Authorization") or ""
    m = AUTH_RE.match(auth)
    if not m:
        errors.append(f"malformed Authorization {auth!r}")
        return
    creds = case["credentials"]
    amz_date = header(headers, "X-Amz-Date") or ""
    if m["akid"] != creds["access_key"] or m["date"] != amz_date[:8] \
            or m["region"] != case["region"] or m["service"] != "chime":
        errors.append(f"credential scope {m['akid']}/{m['date']}/{m['region']}/{m['service']}")
    signed = m["signed"].split(";")
    req_headers = {}
    for h in signed:
        if h == "host":
            req_headers["Host"] = host
        else:
            v = header(headers, h)
            if v is None:
                errors.append(f"signed header {h} not sent")
            else:
                req_headers[h] = v
    request = AWSRequest(method=method, url=f"http://{host}{uri}", data=body.encode(), headers=req_headers)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(creds["access_key"], creds["secret_key"], creds.get("token")),
                       "chime", case["region"])
    if signer.signed_headers(signer.headers_to_sign(request)) != m["signed"]:
        errors.append(f"botocore signs {signer.signed_headers(signer.headers_to_sign(request))}, Go signed {m['signed']}")
    canonical = signer.canonical_request(request)
    sig = signer.signature(signer.string_to_sign(request, canonical), request)
    if sig != m["sig"]:
        errors.append(f"signature {m['sig']} but botocore computes {sig}; canonical request:\n{canonical}")


def check(service, case):
    errors = []
    op_model = service.operation_model(case["operation"])
    r = case["request"]
    body = base64.b64decode(r.get("body_base64") or "").decode()
    params = deserialize(op_model, r["method"], r["uri"], r["headers"], body, errors)
    report = ParamValidator().validate(params, op_model.input_shape)
    if report.has_errors():
        errors.append("ParamValidator: " + report.generate_report())
    check_limits(op_model.input_shape, params, case["operation"], errors)
    if not report.has_errors():
        compare_serialization(op_model, params, r["host"], r["method"], r["uri"], r["headers"], body, errors)
    check_signature(case, r["host"], r["method"], r["uri"], r["headers"], body, errors)
    return {"name": case["name"], "errors": errors, "params": params}


def main():
    doc = json.load(sys.stdin)
    with open(doc["model"]) as f:
        service = ServiceModel(json.load(f), service_name="chime-sdk-messaging")
    results = [check(service, case) for case in doc["cases"]]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
