"""A state machine definition as data, rendered as aws-cdk-lib (2.275) renders a graph of its
``aws_stepfunctions`` states, at no jsii round trip. Pure: no ``aws_cdk`` import.

Built with aws-cdk-lib's classes, every state, transition, retry and condition is a round trip to the jsii
runtime (about 140 for a deploying ``RLPipeline``). Here the same calls (``next``, ``when``, ``otherwise``,
``add_catch``, ``add_retry``) make plain objects, and :func:`render_definition` writes what aws-cdk-lib writes:

- the states in the order aws-cdk-lib's ``StateGraph`` binds them: from the start state, depth first, a state,
  then the states that lead to it (in the order they were connected; an ``otherwise`` does not count), then
  those it leads to (next, default, choices, catches);
- each state's keys in the order of its class's ``toStateJson`` (a key left undefined keeps its place when a
  later part of the rendering sets it: Python dicts behave the same);
- the IAM statements each state needs, in the order the graph registers them (the state machine role's
  policy; aws-cdk-lib merges them as it merges any).

A state aws-cdk-lib renders itself (a ``CustomState`` such as ``RLTrainingJob``, a ``LambdaInvoke``) joins as a
:class:`Rendered` state: its JSON, with the transitions made here.
"""

from .graph import ALL_ERRORS, JSON_PATH, JSONATA, Catch, Chain, Chainable, Graph, Json, State, render_definition
from .states import Choice, Fail, Map, Pass, Rendered, Succeed, Task, Wait

__all__ = [
    "ALL_ERRORS",
    "JSONATA",
    "JSON_PATH",
    "Catch",
    "Chain",
    "Chainable",
    "Choice",
    "Fail",
    "Graph",
    "Json",
    "Map",
    "Pass",
    "Rendered",
    "State",
    "Succeed",
    "Task",
    "Wait",
    "render_definition",
]
