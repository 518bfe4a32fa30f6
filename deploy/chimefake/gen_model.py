#!/usr/bin/env python3
"""Write model.json beside this script: the channel flow operations of the
official Chime SDK Messaging service model, with every shape their inputs and
errors reach, without documentation. The fake server checks each request it
receives against it.

    python3 gen_model.py [path/to/chime-sdk-messaging-2021-05-15.service.json]

The default source is the verbatim copy of the official model (from
botocore) in messaging/testdata.
TestModelIsCurrent fails when model.json no longer matches it.
"""
import json
import os
import sys

OPERATIONS = (
    "CreateChannelFlow",
    "UpdateChannelFlow",
    "DeleteChannelFlow",
    "DescribeChannelFlow",
    "AssociateChannelFlow",
    "DisassociateChannelFlow",
    "ListChannelsAssociatedWithChannelFlow",
)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "messaging", "testdata",
                      "chime-sdk-messaging-2021-05-15.service.json")


def without_docs(node):
    if isinstance(node, dict):
        return {k: without_docs(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [without_docs(v) for v in node]
    return node


def extract(model):
    operations, shapes, pending = {}, {}, []
    for name in OPERATIONS:
        op = model["operations"][name]
        operations[name] = {
            "http": op["http"],
            "input": op["input"]["shape"],
            "errors": [e["shape"] for e in op.get("errors", [])],
        }
        pending.append(op["input"]["shape"])
        pending.extend(operations[name]["errors"])
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shape = without_docs(model["shapes"][name])
        shapes[name] = shape
        for member in shape.get("members", {}).values():
            pending.append(member["shape"])
        for key in ("member", "key", "value"):
            if key in shape:
                pending.append(shape[key]["shape"])
    return {"metadata": {k: model["metadata"][k] for k in ("apiVersion", "protocol", "signingName", "endpointPrefix")},
            "operations": operations, "shapes": dict(sorted(shapes.items()))}


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    with open(source) as f:
        model = json.load(f)
    with open(os.path.join(HERE, "model.json"), "w") as f:
        json.dump(extract(model), f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
