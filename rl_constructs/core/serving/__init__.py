"""The serving side of the core (no ``aws_cdk``): each construct's options, resolved once (``pipeline``,
``model``, ``endpoint``, ``data_capture``, ``batch_transform``, ``cleanup``: a ``resolve(...)`` each, returning
a frozen, checked value), the serving container choice (``container``), serving code (``code``), model repack
(``repack``), the requests as the APIs spell them (``requests``, ``transform``), the JSONata of a pipeline's
deployment states (``jsonata``), its wait budget (``wait_budget``), blue/green updates (``blue_green``), run
tags (``tags``) and IAM statements with the reason of every wildcard (``iam``). What every stage shares (error
names, retries, failure JSONata) is ``core.workflow``."""
