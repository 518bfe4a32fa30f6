#!/usr/bin/env python3
"""Extract from the official Chime SDK Messaging service model the operations
this package implements, with every shape they reach (inputs, outputs and
errors), into chime-sdk-messaging-2021-05-15.subset.json beside this script.

    python3 gen_model_subset.py [path/to/chime-sdk-messaging-2021-05-15.service.json]

The default source is the repository's ../shared/reference copy (from botocore).
The tests read the subset: regenerate it whenever the reference model changes,
and TestModelSubsetIsCurrent tells when it has.
"""
import json
import os
import sys

OPERATIONS = [
    "ChannelFlowCallback",
    "CreateChannelFlow",
    "UpdateChannelFlow",
    "DeleteChannelFlow",
    "DescribeChannelFlow",
    "AssociateChannelFlow",
    "DisassociateChannelFlow",
    "ListChannelsAssociatedWithChannelFlow",
]

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(
    HERE, "..", "..", "..", "shared", "reference",
    "chime-sdk-messaging-2021-05-15.service.json")
TARGET = os.path.join(HERE, "chime-sdk-messaging-2021-05-15.subset.json")


def strip_docs(value):
    if isinstance(value, dict):
        return {k: strip_docs(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [strip_docs(v) for v in value]
    return value


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    with open(source) as f:
        model = json.load(f)
    shapes, todo = {}, []
    ops = {}
    for name in OPERATIONS:
        op = model["operations"][name]
        ops[name] = strip_docs(op)
        for ref in [op.get("input"), op.get("output")] + op.get("errors", []):
            if ref:
                todo.append(ref["shape"])
    while todo:
        name = todo.pop()
        if name in shapes:
            continue
        shape = strip_docs(model["shapes"][name])
        shapes[name] = shape
        for member in shape.get("members", {}).values():
            todo.append(member["shape"])
        for key in ("member", "key", "value"):
            if key in shape:
                todo.append(shape[key]["shape"])
    subset = {
        "version": model.get("version", "2.0"),
        "metadata": model["metadata"],
        "operations": ops,
        "shapes": dict(sorted(shapes.items())),
    }
    with open(TARGET, "w") as f:
        json.dump(subset, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {TARGET}: {len(ops)} operations, {len(shapes)} shapes")


if __name__ == "__main__":
    main()
