"""What resolving names produces: a model as resolution knows it, and whose logs to read.

A `Target` is one deployment of a model or one environment of it; its logs path is where the
logs endpoint lives. Kept apart from the resolving itself so that deployments, environments and
shell completion can use them without the whole of name resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baseten_logs.base.errors import ApiError
from baseten_logs.sources.names import is_id_text, text_or_none
from baseten_logs.sources.paths import api_path


@dataclass(frozen=True)
class Target:
    """Whose logs to read: one deployment of a model, or one environment of it."""

    model_id: str
    model_name: str | None
    deployment_id: str | None
    deployment_name: str | None
    environment: str | None

    @property
    def label(self) -> str:
        """`llama-3-8b (q4w8x2z) / v3 (3w1k9p5)`, for messages and -v output."""
        model = f"{self.model_name} ({self.model_id})" if self.model_name else self.model_id
        if self.environment is not None:
            return f"{model} / environment {self.environment}"
        deployment = self.deployment_id or "?"
        if self.deployment_name:
            deployment = f"{self.deployment_name} ({deployment})"
        return f"{model} / {deployment}"


@dataclass(frozen=True)
class ModelRef:
    """What resolution needs to know about a model (a subset of the API's Model)."""

    id: str
    name: str | None = None
    team: str | None = None
    production_deployment_id: str | None = None
    development_deployment_id: str | None = None

    @property
    def label(self) -> str:
        return f"model {self.name!r} ({self.id})" if self.name else f"model {self.id}"

    def alias_id(self, alias: str) -> str | None:
        """The deployment id behind `production` / `development`, as the model names it."""
        if alias == "production":
            return self.production_deployment_id
        if alias == "development":
            return self.development_deployment_id
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "team_name": self.team,
            "production_deployment_id": self.production_deployment_id,
            "development_deployment_id": self.development_deployment_id,
        }

    @classmethod
    def from_api(cls, body: Any, *, path: str) -> ModelRef:
        """From the API's Model object (or our cached copy of it), checked for shape."""
        if not isinstance(body, dict) or not is_id_text(body.get("id")):
            raise ApiError(
                f"the API's answer for {path} is not a model",
                hint="please report this with -v output",
            )
        return cls(
            id=body["id"],
            name=text_or_none(body.get("name")),
            team=text_or_none(body.get("team_name")),
            production_deployment_id=text_or_none(body.get("production_deployment_id")),
            development_deployment_id=text_or_none(body.get("development_deployment_id")),
        )


def logs_path_for(target: Target) -> str:
    """The logs endpoint of a target: a deployment's, or an environment's."""
    if target.environment is not None:
        return api_path("models", target.model_id, "environments", target.environment, "logs")
    if target.deployment_id is None:
        raise ValueError(f"target {target!r} has neither a deployment nor an environment")
    return api_path("models", target.model_id, "deployments", target.deployment_id, "logs")


def deployments_path(model_id: str) -> str:
    """The path of a model's deployments listing."""
    return api_path("models", model_id, "deployments")
