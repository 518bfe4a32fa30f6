#!/usr/bin/env python3.11
"""Check the SAM-transformed template against cfn-guard rules (the AWS
Control Tower proactive controls) and a reviewed list of accepted findings.

    python3.11 deploy/tests/cfn_guard.py --guard PATH/cfn-guard --rules RULES_DIR \
        --suppressions deploy/guard-suppressions.yaml [--transformed OUT.json] template.yaml

The template is transformed as check_template.py transforms it (its local
CodeUri replaced by S3 locations, as `sam package` does, then the
samtranslator Python API), and cfn-guard validates the result with every
rule under RULES_DIR. Each finding is a (control, resource) pair, the
control being the rule's [CT.SERVICE.PR.N] id. A finding is accepted only
when the suppression file names its control and its resource, with a
reason; the check fails on any other finding, and on a suppression that no
longer matches a finding (so that the list never outgrows the template).

Exit status 0 when every finding is accepted, 1 when one is not or a
suppression is stale or incomplete, 2 on a usage or environment problem.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import yaml
    from check_template import NoManagedPolicies, packaged, transform, yaml_parse
except ImportError as e:  # pragma: no cover - environment problem
    print(f"cfn_guard.py: {e}: pip install aws-sam-translator cfn-lint for {sys.executable}", file=sys.stderr)
    sys.exit(2)

CONTROL = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]:\s*([^\n]*)")
FIX = re.compile(r"\[FIX\]:\s*([^\n]*)")
RESOURCE_PATH = re.compile(r"^/Resources/([^/]+)")
# Guard's exit status when every rule passed, and when some did not.
GUARD_PASS, GUARD_FAIL = 0, 19


def transformed(template):
    """The CloudFormation the SAM transform generates from template."""
    with open(template) as f:
        sam = yaml_parse(f.read())
    return transform(packaged(sam), {}, NoManagedPolicies())


def walk(node, found):
    """Collect the controls, their messages and the resources a guard
    result names, wherever they sit in its nested structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str):
                m = RESOURCE_PATH.match(value)
                if m:
                    found["resources"].add(m.group(1))
            elif key == "custom_message" and isinstance(value, str):
                for control, text in CONTROL.findall(value):
                    found["controls"].setdefault(control, text.strip())
                for fix in FIX.findall(value):
                    found["fix"] = fix.strip()
            walk(value, found)
    elif isinstance(node, list):
        for item in node:
            walk(item, found)


def findings(guard, rules, data):
    """{(control, resource): (message, fix)} of the template at data."""
    cmd = [guard, "validate", "--rules", rules, "--data", data,
           "--output-format", "json", "--structured", "--show-summary", "none"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode not in (GUARD_PASS, GUARD_FAIL):
        raise RuntimeError(f"{' '.join(cmd)} exited {res.returncode}:\n{res.stderr.strip()}")
    try:
        reports = json.loads(res.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"cfn-guard's output is not JSON ({e}): {res.stdout[:500]}")
    out = {}
    for report in reports:
        for failed in report.get("not_compliant") or []:
            found = {"controls": {}, "resources": set(), "fix": ""}
            walk(failed, found)
            name = next(iter(failed.values()), {}).get("name", "?") if isinstance(failed, dict) else "?"
            controls = found["controls"] or {name: name}
            if not found["resources"]:
                found["resources"].add("(template)")
            for control, message in controls.items():
                for resource in found["resources"]:
                    out[(control, resource)] = (message, found["fix"])
    if res.returncode == GUARD_FAIL and not out:
        raise RuntimeError("cfn-guard reported a failure this script could not read:\n" + res.stdout[:2000])
    return out


def load_suppressions(path):
    """[(control, resource, reason)] and the problems of the file."""
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    problems, out = [], []
    entries = doc.get("suppressions") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return [], [f"{path}: want a mapping with a 'suppressions' list"]
    seen = set()
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            problems.append(f"{path}: suppression {i} is not a mapping")
            continue
        rule, resource, reason = (str(e.get(k) or "").strip() for k in ("rule", "resource", "reason"))
        extra = sorted(set(e) - {"rule", "resource", "reason"})
        if extra:
            problems.append(f"{path}: suppression {i} has unknown keys {extra}")
        if not CONTROL.match(f"[{rule}]: x"):
            problems.append(f"{path}: suppression {i} rule {rule!r} is not a control id such as CT.LAMBDA.PR.3")
        if not resource:
            problems.append(f"{path}: suppression {i} ({rule}) names no resource")
        if len(reason) < 40:
            problems.append(f"{path}: suppression {i} ({rule} {resource}) needs a reason a reviewer can judge (40 characters at least)")
        if (rule, resource) in seen:
            problems.append(f"{path}: suppression {i} repeats {rule} {resource}")
        seen.add((rule, resource))
        out.append((rule, resource, reason))
    return out, problems


def check(template, guard, rules, suppressions, keep):
    """Print the report of one template; return whether it passes."""
    cfn = transformed(template)
    with tempfile.TemporaryDirectory() as tmp:
        data = keep or os.path.join(tmp, "template.json")
        with open(data, "w") as f:
            json.dump(cfn, f, indent=1, sort_keys=True)
        found = findings(guard, rules, data)
    accepted = {(r, res): reason for r, res, reason in suppressions}
    ok = True
    for (control, resource), (message, fix) in sorted(found.items()):
        reason = accepted.get((control, resource))
        if reason is not None:
            print(f"accepted  {control} {resource}: {reason}")
            continue
        ok = False
        print(f"FINDING   {control} {resource}: {message}" + (f" [fix: {fix}]" if fix else ""))
    for (control, resource) in sorted(set(accepted) - set(found)):
        ok = False
        print(f"STALE     {control} {resource}: the suppression matches no finding; remove it")
    n_acc = sum(1 for k in found if k in accepted)
    print(f"{template}: {len(found)} finding(s), {n_acc} accepted, "
          f"{len(found) - n_acc} not accepted, {len(set(accepted) - set(found))} stale suppression(s)")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("templates", nargs="+", metavar="template")
    ap.add_argument("--guard", required=True, help="the cfn-guard binary")
    ap.add_argument("--rules", required=True, help="a directory of .guard rules (the Control Tower set)")
    ap.add_argument("--suppressions", required=True, help="the reviewed list of accepted findings")
    ap.add_argument("--transformed", help="also write the transformed template here (one template only)")
    args = ap.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.transformed and len(args.templates) > 1:
        ap.error("--transformed takes one template")
    suppressions, problems = load_suppressions(args.suppressions)
    for p in problems:
        print(p)
    failed = bool(problems)
    try:
        for t in args.templates:
            if len(args.templates) > 1:
                print(f"== {t}")
            if not check(t, args.guard, args.rules, suppressions, args.transformed):
                failed = True
    except (RuntimeError, OSError) as e:
        print(f"cfn_guard.py: {e}", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
