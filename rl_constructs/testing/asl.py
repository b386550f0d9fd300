"""Helpers over synthesized templates for state-machine tests.

- :func:`fill` replaces a template's intrinsics (Ref, GetAtt, Join, FindInMap, Sub) by sample values.
- :func:`definition_of` is the (filled) definition of a template's state machine.
- :func:`run_jsonata` evaluates the ``{% ... %}`` fields of a state with the reference JSONata (npm
  ``jsonata``, the implementation Step Functions follows, via ``rl_constructs.testing.sfn.jsonata_bridge``),
  ``$states`` bound like Step Functions binds it. Whole executions run in
  ``rl_constructs.testing.sfn.run_execution`` (moto's engine).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-west-2"
EXECUTION = {"Name": "run-1", "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:sm:run-1"}


def fill(value: Any, template: dict[str, Any]) -> Any:
    """``value`` with the template's intrinsic functions replaced by sample values."""
    if isinstance(value, dict):
        if "Ref" in value:
            pseudo = {"AWS::Region": REGION, "AWS::Partition": "aws", "AWS::AccountId": ACCOUNT}
            if value["Ref"] in pseudo:
                return pseudo[value["Ref"]]
            return _sample_id(template, value["Ref"]) or f"sample-{value['Ref'].lower()}"
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            kind = template.get("Resources", {}).get(logical, {}).get("Type")
            if kind == "AWS::KMS::Key" and attribute == "Arn":
                return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{_digest(logical, 32)}"
            if kind == "AWS::EC2::SecurityGroup" and attribute == "GroupId":
                return f"sg-{_digest(logical, 17)}"
            return f"arn:aws:iam::{ACCOUNT}:role/{logical}" if attribute == "Arn" else f"sample-{logical.lower()}"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(fill(p, template) for p in parts)
        if "Fn::FindInMap" in value:
            name, key, attribute = (fill(p, template) for p in value["Fn::FindInMap"])
            return template["Mappings"][name][key][attribute]
        if "Fn::Sub" in value:
            return re.sub(
                r"\$\{AWS::(\w+)\}", lambda m: {"AccountId": ACCOUNT, "Region": REGION}[m[1]], value["Fn::Sub"]
            )
        return {k: fill(v, template) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, template) for v in value]
    return value


#: EC2 ids have a shape SageMaker's model checks (``subnet-...``, at most 32 characters): sample ones keep it.
_EC2_PREFIXES = {"AWS::EC2::Subnet": "subnet", "AWS::EC2::VPC": "vpc", "AWS::EC2::SecurityGroup": "sg"}


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _sample_id(template: dict[str, Any], logical: str) -> str | None:
    prefix = _EC2_PREFIXES.get(template.get("Resources", {}).get(logical, {}).get("Type", ""))
    return f"{prefix}-{_digest(logical, 17)}" if prefix else None


def run_jsonata(value: Any, state_input: Any, **states: Any) -> Any:
    """Evaluate every ``{% ... %}`` string in ``value`` with ``$states.input`` = ``state_input`` (plus
    ``result``/``errorOutput`` given as keywords), by the reference JSONata."""
    from .sfn.jsonata_bridge import evaluate

    if isinstance(value, dict):
        return {k: run_jsonata(v, state_input, **states) for k, v in value.items()}
    if isinstance(value, list):
        return [run_jsonata(v, state_input, **states) for v in value]
    if isinstance(value, str) and value.startswith("{% ") and value.endswith(" %}"):
        bindings = {"states": {"input": state_input, "context": {"Execution": EXECUTION}, **states}}
        return evaluate(value[3:-3], bindings)
    return value


def definition_of(template: dict[str, Any], logical_id: str | None = None) -> dict[str, Any]:
    """The (filled) definition of the template's state machine (the only one, or ``logical_id``)."""
    machines = {
        key: resource
        for key, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
        and (logical_id is None or key == logical_id)
        and "waiter" not in key.lower()
    }
    assert len(machines) == 1, sorted(machines)
    (machine,) = machines.values()
    return json.loads(fill(machine["Properties"]["DefinitionString"], template))  # type: ignore[no-any-return]
