"""Output sanitisers, one per destination: GitHub Markdown and Slack mrkdwn.

Everything the product writes outside itself passes through one of these, whatever produced the
text: untrusted scanner output, repository content, or (later) a model.
"""
