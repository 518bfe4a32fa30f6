#!/usr/bin/env python3.11
"""Check template.yaml: cfn-lint, then the security properties of the
CloudFormation that the SAM transform generates from it.

    python3.11 deploy/tests/check_template.py [--no-lint] [--makefile PATH] template.yaml [more.yaml ...]

1. `cfn-lint TEMPLATE` must report no error and no warning.
2. The template is transformed with the samtranslator Python API, after its
   local CodeUri are replaced by S3 locations as `sam package` does, and the
   generated template must show every property the deployment promises:
   - the processor's invoke permission: principal messaging.chime.amazonaws.com,
     SourceAccount the stack's account, SourceArn the app instance;
   - the processor's role: chime:ChannelFlowCallback on the app instance and
     below, logs on its own log group, sqs:SendMessage on the dead-letter
     queue, and nothing else (no managed policy);
   - the custom resource's role: the channel flow actions on the app instance
     and below, logs, and nothing else (no ChannelFlowCallback);
   - no Allow statement with a '*' action or a '*' resource outside the app
     instance's own ARN prefix (no action here needs one);
   - the asynchronous invocation settings with an on-failure destination, an
     encrypted SQS queue;
   - the channel flow custom resource wired to both functions;
   - alarms on errors, throttles, destination failures and the queue;
   - the outputs, the parameters and the makefile build.

Exit status 0 when everything holds, 1 when a check fails (each failure on
its own line, prefixed with the check's name), 2 on a usage or environment
problem. Given several templates, each one's report starts with "== PATH".
"""
import argparse
import copy
import os
import re
import subprocess
import sys

try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"check_template.py: the samtranslator package is missing ({e}): "
             f"pip install aws-sam-translator cfn-lint for {sys.executable}")

PROCESSOR = "ProcessorFunction"
FLOW_FUNCTION = "ChannelFlowFunction"
CHIME_PRINCIPAL = "messaging.chime.amazonaws.com"
FLOW_ACTIONS = {
    "chime:CreateChannelFlow",
    "chime:UpdateChannelFlow",
    "chime:DeleteChannelFlow",
    "chime:DescribeChannelFlow",
    "chime:AssociateChannelFlow",
    "chime:DisassociateChannelFlow",
    "chime:ListChannelsAssociatedWithChannelFlow",
}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
PROCESSOR_ACTIONS = {"chime:ChannelFlowCallback", "sqs:SendMessage"} | LOG_ACTIONS
# Actions whose API accepts no resource-level permission and so need
# Resource "*": none of this stack's actions do.
WILDCARD_RESOURCE_ACTIONS = set()
PARAMETERS = {
    "AppInstanceArn", "FlowName", "FallbackAction", "RulesConfig", "ErrorPolicy",
    "LogLevel", "LogRetentionDays", "ChimeBearerArn", "ChannelArns",
    "MaximumRetryAttempts", "MaximumEventAgeInSeconds",
}
OUTPUTS = {"ChannelFlowArn", "ProcessorFunctionArn", "DeadLetterQueueUrl"}
PROCESSOR_ENV = {"CHIMEFLOW_CONFIG", "CHIMEFLOW_ERROR_POLICY", "CHIMEFLOW_LOG_LEVEL"}


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, name, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {message}")
        return ok


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def is_ref(v, name):
    return v == {"Ref": name}


def getatt(v):
    """Return (logical id, attribute) of a Fn::GetAtt, or None."""
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        a = v["Fn::GetAtt"]
        if isinstance(a, str):
            a = a.split(".", 1)
        return tuple(a)
    return None


def refers_to(v, logical_id):
    return is_ref(v, logical_id) or (getatt(v) or (None,))[0] == logical_id


def run_lint(path, checks):
    cmd = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())", path]
    res = subprocess.run(cmd, capture_output=True, text=True)
    out = (res.stdout + res.stderr).strip()
    checks.check("cfn-lint", res.returncode == 0,
                 f"cfn-lint {path} exited {res.returncode} (errors and warnings must be zero):\n{out}")


def packaged(sam):
    """Return a copy of the SAM template with every local CodeUri replaced
    by the S3 location `sam package` would upload it to."""
    out = copy.deepcopy(sam)
    for name, res in out.get("Resources", {}).items():
        if res.get("Type") == "AWS::Serverless::Function":
            uri = res.get("Properties", {}).get("CodeUri")
            if isinstance(uri, str) and not uri.startswith("s3://"):
                res["Properties"]["CodeUri"] = f"s3://chimeflow-artifacts/{name}/0123456789abcdef.zip"
    return out


class NoManagedPolicies:
    """A managed policy loader: the template must not name any."""

    def load(self):
        return {}


def statements_of_role(cfn, role_id):
    """Every policy statement that applies to the role, and its managed
    policy ARNs."""
    role = cfn["Resources"][role_id]["Properties"]
    stmts = []
    for pol in as_list(role.get("Policies")):
        stmts += as_list(pol.get("PolicyDocument", {}).get("Statement"))
    for res in cfn["Resources"].values():
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            p = res.get("Properties", {})
            roles = as_list(p.get("Roles")) + as_list(p.get("RoleName"))
            if any(is_ref(r, role_id) for r in roles):
                stmts += as_list(p.get("PolicyDocument", {}).get("Statement"))
    return stmts, as_list(role.get("ManagedPolicyArns"))


def all_policy_statements(cfn):
    """(where, statement) of every IAM policy document of the template."""
    found = []
    for rid, res in cfn["Resources"].items():
        p = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for pol in as_list(p.get("Policies")):
                for s in as_list(pol.get("PolicyDocument", {}).get("Statement")):
                    found.append((rid, s))
        elif "PolicyDocument" in p:
            for s in as_list(p["PolicyDocument"].get("Statement")):
                found.append((rid, s))
    return found


def scoped_sub(resource):
    """Whether a resource is ${AppInstanceArn}/<path> with at most a final '*'."""
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        sub = sub if isinstance(sub, str) else sub[0]
        if sub.startswith("${AppInstanceArn}/"):
            rest = sub[len("${AppInstanceArn}/"):]
            return "*" not in rest[:-1] and "${" not in rest
    return False


def in_app_instance(resource):
    return is_ref(resource, "AppInstanceArn") or scoped_sub(resource)


def function(cfn, checks, logical_id):
    res = cfn["Resources"].get(logical_id)
    if not checks.check("functions", res is not None and res["Type"] == "AWS::Lambda::Function",
                        f"no AWS::Lambda::Function {logical_id}"):
        return None
    p = res["Properties"]
    checks.check("functions", p.get("Runtime") == "provided.al2023", f"{logical_id} Runtime {p.get('Runtime')!r}, want provided.al2023")
    checks.check("functions", p.get("Architectures") == ["arm64"], f"{logical_id} Architectures {p.get('Architectures')!r}, want [arm64]")
    checks.check("functions", p.get("Handler") == "bootstrap", f"{logical_id} Handler {p.get('Handler')!r}, want bootstrap")
    checks.check("functions", isinstance(p.get("MemorySize"), int) and 128 <= p["MemorySize"] <= 1024,
                 f"{logical_id} MemorySize {p.get('MemorySize')!r}, want 128-1024")
    role = getatt(p.get("Role"))
    checks.check("functions", role is not None and role[1] == "Arn" and cfn["Resources"].get(role[0], {}).get("Type") == "AWS::IAM::Role",
                 f"{logical_id} Role {p.get('Role')!r} is not the Arn of a role of this template")
    return p


def check_functions(sam, cfn, checks, makefile):
    proc = function(cfn, checks, PROCESSOR)
    flow = function(cfn, checks, FLOW_FUNCTION)
    if proc:
        t = proc.get("Timeout")
        checks.check("functions", isinstance(t, int) and 3 <= t <= 30,
                     f"{PROCESSOR} Timeout {t!r}, want 3-30 s (the callback must come while the message waits)")
        env = set((proc.get("Environment") or {}).get("Variables", {}))
        checks.check("functions", PROCESSOR_ENV <= env, f"{PROCESSOR} environment {sorted(env)} lacks {sorted(PROCESSOR_ENV - env)}")
    if flow:
        t = flow.get("Timeout")
        checks.check("functions", isinstance(t, int) and 60 <= t <= 900, f"{FLOW_FUNCTION} Timeout {t!r}, want 60-900 s")
    # The build: SAM's makefile method, from the repository root.
    text = ""
    try:
        with open(makefile) as f:
            text = f.read()
    except OSError as e:
        checks.check("build", False, f"cannot read {makefile}: {e}")
    for fid in (PROCESSOR, FLOW_FUNCTION):
        res = sam["Resources"].get(fid, {})
        checks.check("build", res.get("Metadata", {}).get("BuildMethod") == "makefile",
                     f"{fid} Metadata.BuildMethod {res.get('Metadata', {}).get('BuildMethod')!r}, want makefile")
        checks.check("build", res.get("Properties", {}).get("CodeUri") == ".",
                     f"{fid} CodeUri {res.get('Properties', {}).get('CodeUri')!r}, want . (the module root, where the Makefile is)")
        checks.check("build", re.search(rf"^build-{fid}:", text, re.M) is not None, f"the Makefile has no build-{fid} target")
    for flag in ("GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "-tags lambda.norpc", "-trimpath", "-s -w", "bootstrap"):
        checks.check("build", flag in text.replace("$(GOOS)", "linux").replace("$(GOARCH)", "arm64").replace(":= ", "="),
                     f"the Makefile does not build with {flag}")


def check_permission(cfn, checks):
    perms = {rid: r["Properties"] for rid, r in cfn["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"}
    for rid, p in perms.items():
        checks.check("invoke-permission", p.get("Principal") != "chime.amazonaws.com",
                     f"{rid} uses the old principal chime.amazonaws.com; channel flows invoke as {CHIME_PRINCIPAL}")
    mine = {rid: p for rid, p in perms.items() if refers_to(p.get("FunctionName"), PROCESSOR)}
    if not checks.check("invoke-permission", len(mine) == 1, f"{len(mine)} AWS::Lambda::Permission on {PROCESSOR}, want exactly 1"):
        return None
    rid, p = next(iter(mine.items()))
    checks.check("invoke-permission", p.get("Action") == "lambda:InvokeFunction", f"{rid} Action {p.get('Action')!r}")
    checks.check("invoke-permission", p.get("Principal") == CHIME_PRINCIPAL, f"{rid} Principal {p.get('Principal')!r}, want {CHIME_PRINCIPAL}")
    checks.check("invoke-permission", is_ref(p.get("SourceAccount"), "AWS::AccountId"),
                 f"{rid} SourceAccount {p.get('SourceAccount')!r}, want Ref AWS::AccountId (no other account may invoke)")
    checks.check("invoke-permission", is_ref(p.get("SourceArn"), "AppInstanceArn"),
                 f"{rid} SourceArn {p.get('SourceArn')!r}, want Ref AppInstanceArn (no other app instance may invoke)")
    for key in ("PrincipalOrgID", "EventSourceToken", "FunctionUrlAuthType"):
        checks.check("invoke-permission", key not in p, f"{rid} sets {key}")
    return rid


def check_role(cfn, checks, function_id, allowed, required, name):
    role = getatt(cfn["Resources"][function_id]["Properties"].get("Role"))
    if not checks.check(name, role is not None and role[0] in cfn["Resources"], f"{function_id} has no role of this template"):
        return None, {}
    role_id = role[0]
    stmts, managed = statements_of_role(cfn, role_id)
    checks.check(name, not managed, f"{role_id} has managed policies {managed}: only the inline least-privilege policy may apply")
    trust = as_list(cfn["Resources"][role_id]["Properties"].get("AssumeRolePolicyDocument", {}).get("Statement"))
    principals = [s.get("Principal") for s in trust]
    checks.check(name, principals == [{"Service": "lambda.amazonaws.com"}] and all(as_list(s.get("Action")) == ["sts:AssumeRole"] for s in trust),
                 f"{role_id} trust policy principals {principals}, want only lambda.amazonaws.com")
    actions = {}
    for s in stmts:
        checks.check(name, "NotAction" not in s and "NotResource" not in s, f"{role_id} uses NotAction/NotResource")
        if s.get("Effect") != "Allow":
            continue
        for a in as_list(s.get("Action")):
            actions.setdefault(a, []).extend(as_list(s.get("Resource")))
    extra = sorted(set(actions) - allowed)
    checks.check(name, not extra, f"{role_id} allows {extra}, beyond {sorted(allowed)}")
    missing = sorted(required - set(actions))
    checks.check(name, not missing, f"{role_id} lacks {missing}")
    return role_id, actions


def check_roles(cfn, checks, queue_id):
    _, proc = check_role(cfn, checks, PROCESSOR, PROCESSOR_ACTIONS, PROCESSOR_ACTIONS, "processor-role")
    for r in proc.get("chime:ChannelFlowCallback", []):
        checks.check("processor-role", in_app_instance(r),
                     f"chime:ChannelFlowCallback on {r!r}: want the app instance (Ref AppInstanceArn) and below (${{AppInstanceArn}}/...) only")
    for a in LOG_ACTIONS:
        for r in proc.get(a, []):
            att = getatt(r)
            checks.check("processor-role", att is not None and cfn["Resources"].get(att[0], {}).get("Type") == "AWS::Logs::LogGroup",
                         f"{a} on {r!r}: want the function's own log group")
    for r in proc.get("sqs:SendMessage", []):
        checks.check("processor-role", getatt(r) == (queue_id, "Arn"), f"sqs:SendMessage on {r!r}: want the dead-letter queue {queue_id}")

    _, flow = check_role(cfn, checks, FLOW_FUNCTION, FLOW_ACTIONS | LOG_ACTIONS, FLOW_ACTIONS, "custom-resource-role")
    for a in FLOW_ACTIONS:
        for r in flow.get(a, []):
            checks.check("custom-resource-role", in_app_instance(r), f"{a} on {r!r}: want the app instance and below only")


def check_wildcards(cfn, checks):
    for where, s in all_policy_statements(cfn):
        if s.get("Effect") != "Allow":
            continue
        for a in as_list(s.get("Action")):
            checks.check("no-wildcard", isinstance(a, str) and "*" not in a, f"{where} allows action {a!r}: name every action")
        for r in as_list(s.get("Resource")):
            if isinstance(r, str):
                acts = set(as_list(s.get("Action")))
                ok = "*" not in r or (r == "*" and acts <= WILDCARD_RESOURCE_ACTIONS)
                checks.check("no-wildcard", ok, f"{where} allows {sorted(acts)} on {r!r}")
            elif isinstance(r, dict) and "Fn::Sub" in r:
                checks.check("no-wildcard", scoped_sub(r), f"{where} allows a resource {r!r} outside ${{AppInstanceArn}}/...")


def check_dead_letter(sam, cfn, checks):
    configs = [(rid, r["Properties"]) for rid, r in cfn["Resources"].items()
               if r["Type"] == "AWS::Lambda::EventInvokeConfig" and refers_to(r["Properties"].get("FunctionName"), PROCESSOR)]
    if not checks.check("dead-letter", len(configs) == 1, f"{len(configs)} AWS::Lambda::EventInvokeConfig for {PROCESSOR}, want 1"):
        return None
    rid, p = configs[0]
    dest = (p.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
    att = getatt(dest)
    queue = cfn["Resources"].get(att[0]) if att else None
    if not checks.check("dead-letter", att is not None and att[1] == "Arn" and queue is not None and queue["Type"] == "AWS::SQS::Queue",
                        f"{rid} on-failure destination {dest!r} is not an SQS queue of this template: failed events would be lost"):
        return None
    q = queue.get("Properties", {})
    checks.check("dead-letter", q.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in q,
                 f"dead-letter queue {att[0]} is not encrypted (SqsManagedSseEnabled or KmsMasterKeyId)")
    checks.check("dead-letter", q.get("MessageRetentionPeriod") == 1209600,
                 f"dead-letter queue {att[0]} keeps messages {q.get('MessageRetentionPeriod')!r} s, want 14 days (1209600)")
    src = sam["Resources"][PROCESSOR]["Properties"].get("EventInvokeConfig", {})
    checks.check("dead-letter", is_ref(src.get("MaximumRetryAttempts"), "MaximumRetryAttempts") and is_ref(src.get("MaximumEventAgeInSeconds"), "MaximumEventAgeInSeconds"),
                 "EventInvokeConfig does not take MaximumRetryAttempts and MaximumEventAgeInSeconds from the parameters")
    checks.check("dead-letter", isinstance(p.get("MaximumRetryAttempts"), int) and isinstance(p.get("MaximumEventAgeInSeconds"), int),
                 f"{rid} lacks MaximumRetryAttempts or MaximumEventAgeInSeconds")
    return att[0]


def check_custom_resource(cfn, checks, permission_id):
    found = [(rid, r) for rid, r in cfn["Resources"].items()
             if r["Type"].startswith("Custom::") or r["Type"] == "AWS::CloudFormation::CustomResource"]
    if not checks.check("custom-resource", len(found) == 1, f"{len(found)} custom resources, want the channel flow"):
        return
    rid, r = found[0]
    p = r["Properties"]
    checks.check("custom-resource", getatt(p.get("ServiceToken")) == (FLOW_FUNCTION, "Arn"), f"{rid} ServiceToken {p.get('ServiceToken')!r}, want {FLOW_FUNCTION}.Arn")
    checks.check("custom-resource", getatt(p.get("ProcessorArn")) == (PROCESSOR, "Arn"), f"{rid} ProcessorArn {p.get('ProcessorArn')!r}, want {PROCESSOR}.Arn")
    checks.check("custom-resource", is_ref(p.get("AppInstanceArn"), "AppInstanceArn"), f"{rid} AppInstanceArn {p.get('AppInstanceArn')!r}")
    checks.check("custom-resource", is_ref(p.get("FallbackAction"), "FallbackAction") and is_ref(p.get("Name"), "FlowName"),
                 f"{rid} does not take Name and FallbackAction from the parameters")
    for key, param in (("ChannelArns", "ChannelArns"), ("ChimeBearerArn", "ChimeBearerArn")):
        checks.check("custom-resource", key in p and param in repr(p[key]), f"{rid} does not pass {key}")
    if permission_id:
        checks.check("custom-resource", permission_id in as_list(r.get("DependsOn")),
                     f"{rid} does not DependsOn {permission_id}: the flow could exist before Chime may invoke the processor")


def check_alarms(cfn, checks, queue_id):
    alarms = [r["Properties"] for r in cfn["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]

    def has(namespace, metric, dim_ok):
        return any(a.get("Namespace") == namespace and a.get("MetricName") == metric and any(dim_ok(d) for d in as_list(a.get("Dimensions"))) for a in alarms)

    def on_processor(d):
        return d.get("Name") == "FunctionName" and is_ref(d.get("Value"), PROCESSOR)

    for metric in ("Errors", "Throttles", "DestinationDeliveryFailures"):
        checks.check("alarms", has("AWS/Lambda", metric, on_processor), f"no alarm on the processor's {metric}")
    checks.check("alarms", has("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                               lambda d: d.get("Name") == "QueueName" and getatt(d.get("Value")) == (queue_id, "QueueName")),
                 "no alarm on messages in the dead-letter queue")


def check_outputs(cfn, checks, queue_id):
    outs = cfn.get("Outputs", {})
    missing = sorted(OUTPUTS - set(outs))
    if not checks.check("outputs", not missing, f"missing outputs {missing}"):
        return
    checks.check("outputs", refers_to(outs["ProcessorFunctionArn"]["Value"], PROCESSOR), "ProcessorFunctionArn does not name the processor")
    checks.check("outputs", is_ref(outs["DeadLetterQueueUrl"]["Value"], queue_id), "DeadLetterQueueUrl is not the dead-letter queue's URL")
    checks.check("outputs", getatt(outs["ChannelFlowArn"]["Value"]) is not None, "ChannelFlowArn is not read from the channel flow resource")


def check_parameters(cfn, checks):
    params = cfn.get("Parameters", {})
    missing = sorted(PARAMETERS - set(params))
    checks.check("parameters", not missing, f"missing parameters {missing}")
    pattern = params.get("AppInstanceArn", {}).get("AllowedPattern")
    if checks.check("parameters", pattern is not None, "AppInstanceArn has no AllowedPattern"):
        good = "arn:aws:chime:us-east-1:111122223333:app-instance/4d5f7a1e-8b2c-4c9d-9e0f-1a2b3c4d5e6f"
        bad = [good + "/channel/x", "arn:aws:lambda:us-east-1:111122223333:function:f",
               "arn:aws:chime:us-east-1:1111:app-instance/x", "", "*"]
        checks.check("parameters", re.fullmatch(pattern, good) is not None, f"AppInstanceArn pattern rejects {good}")
        for b in bad:
            checks.check("parameters", re.fullmatch(pattern, b) is None, f"AppInstanceArn pattern accepts {b!r}")
    checks.check("parameters", sorted(params.get("FallbackAction", {}).get("AllowedValues", [])) == ["ABORT", "CONTINUE"],
                 "FallbackAction is not limited to ABORT and CONTINUE")
    checks.check("parameters", params.get("ChannelArns", {}).get("Type") == "CommaDelimitedList", "ChannelArns is not a CommaDelimitedList")


def check_file(path, lint, makefile):
    """Run every check on one template; return the Checks."""
    checks = Checks()
    if lint:
        run_lint(path, checks)
    with open(path) as f:
        sam = yaml_parse(f.read())
    try:
        cfn = transform(packaged(sam), {}, NoManagedPolicies())
    except Exception as e:  # the translator raises its own exception types
        checks.check("sam-transform", False, f"the SAM transform failed: {e}")
        return checks
    check_functions(sam, cfn, checks, makefile or os.path.join(os.path.dirname(os.path.abspath(path)), "Makefile"))
    permission = check_permission(cfn, checks)
    queue = check_dead_letter(sam, cfn, checks)
    if cfn["Resources"].get(PROCESSOR) and cfn["Resources"].get(FLOW_FUNCTION):
        check_roles(cfn, checks, queue)
    check_wildcards(cfn, checks)
    check_custom_resource(cfn, checks, permission)
    check_alarms(cfn, checks, queue)
    check_outputs(cfn, checks, queue)
    check_parameters(cfn, checks)
    return checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("templates", nargs="+", metavar="template")
    ap.add_argument("--no-lint", action="store_true", help="skip cfn-lint (the transform checks only)")
    ap.add_argument("--makefile", help="the Makefile to check (default: beside each template)")
    args = ap.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    failed = 0
    for path in args.templates:
        if len(args.templates) > 1:
            print(f"== {path}")
        checks = check_file(path, not args.no_lint, args.makefile)
        for f in checks.failures:
            print(f)
        total = len(checks.failures) + checks.passed
        if checks.failures:
            failed += 1
            print(f"{path}: {len(checks.failures)} of {total} checks failed")
        else:
            print(f"{path}: all {total} checks hold")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
