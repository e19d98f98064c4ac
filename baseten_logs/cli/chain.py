"""`baseten-logs chain`: every chainlet of a chain deployment, merged in time order.

The chain and its deployment are resolved first (one request for a chain id, see chains.py);
then each chainlet is one more log source of the Feed, and `get`'s run does the rest
(log_commands.py hands the Feed to cli/get.run_get).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import RetryPolicy
from baseten_logs.output import messages
from baseten_logs.reading.feed import Feed, Part
from baseten_logs.reading.fetch import open_client
from baseten_logs.reading.query import LogQuery
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.chains import ChainTarget, chain_ended, chain_state, resolve_chain


def chain_feed(
    *,
    chain: str,
    deployment: str | None,
    environment: str | None,
    chainlets: Sequence[str],
    query: LogQuery,
    credentials: Credentials,
    verbose: bool,
    attempts: int = RetryPolicy.attempts,
    cache: Cache | None = None,
) -> tuple[Feed, ChainTarget]:
    """The chain deployment asked of the API, and its chainlets as the sources of one Feed;
    `cache` keeps a chain name's id for the next run."""
    log = messages.info if verbose else None
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        target = resolve_chain(
            client,
            chain,
            deployment=deployment,
            environment=environment,
            chainlets=chainlets,
            cache=cache,
        )
    if verbose:
        names = ", ".join(c.name for c in target.chainlets)
        messages.info(f"{target.label}: chainlets {names}")
    parts = tuple(
        Part(replace(query, path=target.logs_path(c), source=None), label=c.name)
        for c in target.chainlets
    )
    feed = Feed(
        parts,
        stop_check=lambda client: chain_ended(client, target),
        state=lambda client: chain_state(target),
    )
    return feed, target
