"""The emulator's models, deployments and environments, and their API shapes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .chains import Chain, TrainingProject, build_chains, build_training
from .deployments import DAY_MS, HOUR_MS, MINUTE_MS, Deployment, iso, styled_id
from .deployments import deployment as _deployment
from .loops import SAMPLER_MODEL_ID, SAMPLER_MODEL_NAME, Loops, build_loops, sampler_deployment
from .sandboxes import Image, Sandbox, build_images, build_sandboxes
from .shapes import (
    AUTOSCALING_SETTINGS,
    PROMOTION_SETTINGS,
    REQUEST_BACKPRESSURE_SETTINGS,
    instance_type,
)

# Fixed ids (not derived from the seed) so that docs, the demo and tests can name them.
DEMO_MODEL_NAME = "llama-3-8b"
DEMO_MODEL_ID = "q4w8x2z"
DEMO_DEPLOYMENT_NAME = "v3"
DEMO_DEPLOYMENT_ID = "3w1k9p5"
DEMO_DEV_DEPLOYMENT_ID = "d7m2v8n"
WHISPER_MODEL_ID = "w5h2r8t"
WHISPER_OLD_DEPLOYMENT_ID = "a8k3j2q"
WHISPER_NEW_DEPLOYMENT_ID = "b9n4m7x"
SDXL_MODEL_ID = "s6x1t4d"
SDXL_DEPLOYMENT_ID = "z2e5r9c"
EMBEDDER_MODEL_NAME = "embedder"
# Names that look like ids, on ids of letters only: nothing in a string's shape says which it is.
IDLIKE_MODEL_NAME = "mistral7"
IDLIKE_MODEL_ID = "nwxpzqy"
IDLIKE_DEPLOYMENT_NAME = "nightly"
IDLIKE_DEPLOYMENT_ID = "kqvbdwz"


@dataclass(frozen=True)
class Served:
    """One deployment serving an environment from `from_ms` until `until_ms` (exclusive)."""

    deployment_id: str
    from_ms: int
    until_ms: int | None


@dataclass(frozen=True)
class Environment:
    """A named environment and which deployments served it, oldest first."""

    name: str
    model_id: str
    created_at_ms: int
    history: tuple[Served, ...]

    @property
    def current_deployment_id(self) -> str | None:
        last = self.history[-1] if self.history else None
        return last.deployment_id if last is not None and last.until_ms is None else None


@dataclass(frozen=True)
class Model:
    """A model with its deployments and environments."""

    id: str
    name: str
    team_name: str
    created_at_ms: int
    instance_type_name: str
    deployments: tuple[Deployment, ...]
    environments: tuple[Environment, ...]

    @property
    def production_deployment_id(self) -> str | None:
        return next((d.id for d in self.deployments if d.is_production), None)

    @property
    def development_deployment_id(self) -> str | None:
        return next((d.id for d in self.deployments if d.is_development), None)

    def deployment(self, id_or_alias: str) -> Deployment | None:
        """A deployment by id, or by the aliases `production` / `development`."""
        if id_or_alias == "production":
            return next((d for d in self.deployments if d.is_production), None)
        if id_or_alias == "development":
            return next((d for d in self.deployments if d.is_development), None)
        return next((d for d in self.deployments if d.id == id_or_alias), None)

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": iso(self.created_at_ms),
            "deployments_count": len(self.deployments),
            "production_deployment_id": self.production_deployment_id,
            "development_deployment_id": self.development_deployment_id,
            "instance_type_name": self.instance_type_name,
            "team_name": self.team_name,
        }

    def environment_to_api(self, env: Environment) -> dict[str, Any]:
        current = env.current_deployment_id
        deployment = self.deployment(current) if current is not None else None
        return {
            "name": env.name,
            "model_id": self.id,
            "created_at": iso(env.created_at_ms),
            "current_deployment": deployment.to_api() if deployment is not None else None,
            "autoscaling_settings": AUTOSCALING_SETTINGS,
            "promotion_settings": PROMOTION_SETTINGS,
            "instance_type": instance_type(self.instance_type_name),
            "request_backpressure_settings": REQUEST_BACKPRESSURE_SETTINGS,
        }


@dataclass(frozen=True)
class Catalogue:
    """Every model the emulator knows; one API key sees them all, across teams."""

    models: tuple[Model, ...]
    # When whisper-large's production moved from its old deployment to its new one.
    whisper_promoted_at_ms: int
    chains: tuple[Chain, ...] = ()
    training_projects: tuple[TrainingProject, ...] = ()
    loops: Loops = Loops((), "", "", 0)
    sandboxes: tuple[Sandbox, ...] = ()
    sandbox_images: tuple[Image, ...] = ()

    def chain(self, chain_id: str) -> Chain | None:
        return next((c for c in self.chains if c.id == chain_id), None)

    def training_project(self, project_id: str) -> TrainingProject | None:
        return next((p for p in self.training_projects if p.id == project_id), None)

    def model(self, model_id: str) -> Model | None:
        return next((m for m in self.models if m.id == model_id), None)

    def models_named(self, name: str) -> list[Model]:
        return [m for m in self.models if m.name == name]

    def deployments(self) -> list[Deployment]:
        return [d for m in self.models for d in m.deployments]


def _production_env(model_id: str, dep: Deployment) -> Environment:
    return Environment(
        "production", model_id, dep.created_at_ms, (Served(dep.id, dep.logs_from_ms, None),)
    )


def build_catalogue(anchor_ms: int, id_style: str = "7") -> Catalogue:
    """The fixed catalogue, dated relative to `anchor_ms`, its ids in `id_style`."""
    catalogue = _fixed_catalogue(anchor_ms)
    catalogue = catalogue if id_style == "7" else _restyled(catalogue, id_style)
    return replace(
        catalogue,
        chains=build_chains(anchor_ms, id_style),
        training_projects=build_training(anchor_ms, id_style),
        loops=build_loops(anchor_ms, id_style),
        sandboxes=build_sandboxes(anchor_ms),  # named by their users: no id style
        sandbox_images=build_images(anchor_ms),
    )


def _restyled(catalogue: Catalogue, style: str) -> Catalogue:
    def deployment(dep: Deployment) -> Deployment:
        return replace(dep, id=styled_id(dep.id, style), model_id=styled_id(dep.model_id, style))

    def environment(env: Environment) -> Environment:
        history = tuple(
            replace(s, deployment_id=styled_id(s.deployment_id, style)) for s in env.history
        )
        return replace(env, model_id=styled_id(env.model_id, style), history=history)

    models = tuple(
        replace(
            m,
            id=styled_id(m.id, style),
            deployments=tuple(deployment(d) for d in m.deployments),
            environments=tuple(environment(e) for e in m.environments),
        )
        for m in catalogue.models
    )
    return replace(catalogue, models=models)


def _fixed_catalogue(anchor_ms: int) -> Catalogue:
    a = anchor_ms
    llama_prod = _deployment(
        DEMO_MODEL_ID,
        DEMO_DEPLOYMENT_ID,
        DEMO_DEPLOYMENT_NAME,
        created=a - 30 * DAY_MS,
        production=True,
        replicas=3,
        instance="H100:1x80",
    )
    llama_dev = _deployment(
        DEMO_MODEL_ID,
        DEMO_DEV_DEPLOYMENT_ID,
        "development",
        created=a - 2 * DAY_MS,
        development=True,
        instance="H100:1x80",
    )
    promoted = a - 6 * HOUR_MS
    whisper_old = _deployment(
        WHISPER_MODEL_ID,
        WHISPER_OLD_DEPLOYMENT_ID,
        "v1",
        created=a - 30 * DAY_MS,
        status="INACTIVE",
        replicas=0,
        log_replicas=2,
        # It drains for a while after losing production, so its own logs outlive the promotion.
        until=promoted + 15 * MINUTE_MS,
    )
    whisper_new = _deployment(
        WHISPER_MODEL_ID,
        WHISPER_NEW_DEPLOYMENT_ID,
        "v2",
        # Deployed two hours before its promotion: its early lines are not production's.
        created=a - 8 * HOUR_MS,
        production=True,
        replicas=2,
    )
    whisper_env = Environment(
        "production",
        WHISPER_MODEL_ID,
        a - 30 * DAY_MS,
        (
            Served(whisper_old.id, whisper_old.logs_from_ms, promoted),
            Served(whisper_new.id, promoted, None),
        ),
    )
    sdxl = _deployment(
        SDXL_MODEL_ID,
        SDXL_DEPLOYMENT_ID,
        "v1",
        created=a - 20 * DAY_MS,
        status="SCALED_TO_ZERO",
        production=True,
        replicas=0,
        log_replicas=1,
        until=a - 2 * HOUR_MS,
    )
    emb_acme = _deployment("e3m8b1a", "e4p7q2r", "v1", created=a - 12 * DAY_MS, production=True)
    emb_research = _deployment("r7e2m9b", "r1k8w3s", "v2", created=a - 5 * DAY_MS, production=True)
    idlike = _deployment(
        IDLIKE_MODEL_ID,
        IDLIKE_DEPLOYMENT_ID,
        IDLIKE_DEPLOYMENT_NAME,
        created=a - 3 * DAY_MS,
        production=True,
    )
    sampler = sampler_deployment(a)
    models = (
        Model(
            DEMO_MODEL_ID,
            DEMO_MODEL_NAME,
            "acme-ml",
            a - 40 * DAY_MS,
            "H100:1x80",
            (llama_prod, llama_dev),
            (_production_env(DEMO_MODEL_ID, llama_prod),),
        ),
        Model(
            WHISPER_MODEL_ID,
            "whisper-large",
            "acme-ml",
            a - 60 * DAY_MS,
            "A10G:1x24",
            (whisper_old, whisper_new),
            (whisper_env,),
        ),
        Model(
            SDXL_MODEL_ID,
            "sdxl-turbo",
            "acme-ml",
            a - 20 * DAY_MS,
            "A10G:1x24",
            (sdxl,),
            (_production_env(SDXL_MODEL_ID, sdxl),),
        ),
        # Two teams both have an "embedder": resolving that name is ambiguous.
        Model(
            "e3m8b1a",
            EMBEDDER_MODEL_NAME,
            "acme-ml",
            a - 12 * DAY_MS,
            "A10G:1x24",
            (emb_acme,),
            (_production_env("e3m8b1a", emb_acme),),
        ),
        Model(
            "r7e2m9b",
            EMBEDDER_MODEL_NAME,
            "research",
            a - 5 * DAY_MS,
            "A10G:1x24",
            (emb_research,),
            (_production_env("r7e2m9b", emb_research),),
        ),
        Model(
            IDLIKE_MODEL_ID,
            IDLIKE_MODEL_NAME,
            "acme-ml",
            a - 3 * DAY_MS,
            "A10G:1x24",
            (idlike,),
            (_production_env(IDLIKE_MODEL_ID, idlike),),
        ),
        # A Loops run's sampler (loops.py): an inference deployment like any other.
        Model(
            SAMPLER_MODEL_ID,
            SAMPLER_MODEL_NAME,
            "acme-ml",
            sampler.created_at_ms,
            "H100:1x80",
            (sampler,),
            (_production_env(SAMPLER_MODEL_ID, sampler),),
        ),
    )
    return Catalogue(models, promoted)
