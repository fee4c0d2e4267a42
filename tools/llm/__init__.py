"""Read-only tools the triage model may call, and the guards around them.

Everything here treats the model as hostile and repository/finding text as attacker-written:

* ``toolbox.py``: the only entry point (``build_toolbox``). Validates each call's arguments,
  charges the case's budget, runs one tool, fences and caps its output, records what happened.
  Model misbehaviour never raises; it comes back as a short error text and a recorded violation.
* ``budget.py``: calls, bytes and wall-clock seconds per case.
* ``fence.py``: per-call random delimiters around untrusted text, and ``neutralise`` for the text
  inside them (invisible characters removed, delimiter look-alikes defused).
* ``tools/``: one module per tool, each an argument model (``extra="forbid"``, capped) and a pure
  function over the case's RepoSource or a shipped catalogue. No tool writes, reaches the network
  beyond the given source, or can name another repository.
"""
