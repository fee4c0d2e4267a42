"""Wiring the Slack approval app to the workflow: a decision in Slack resumes the case's thread."""

from __future__ import annotations

import time
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from agent.deps import WorkflowDeps
from agent.workflow import Graph, resume_approval
from approvals.slack.app import SlackDeps, build_app
from approvals.slack.approvers import Approvers
from config.slack import SlackConfig


def slack_app(
    deps: WorkflowDeps,
    graph: Graph,
    *,
    config: SlackConfig,
    client: WebClient,
    signing_secret: str,
    resume_executor: Executor,
) -> App:
    return build_app(
        SlackDeps(
            database=deps.database,
            config=config,
            approvers=Approvers(config, time.monotonic),
            clock=deps.clock,
            on_decided=lambda approval_id: resume_approval(deps, graph, approval_id),
            resume_executor=resume_executor,
            two_person_rule=deps.two_person_rule,
        ),
        client=client,
        signing_secret=signing_secret,
    )
