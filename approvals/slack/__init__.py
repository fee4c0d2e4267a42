"""The Slack approval channel: Block Kit cards, the Bolt app, who may decide, posting."""
