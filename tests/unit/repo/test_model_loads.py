"""Is a model file loaded by the repository's production code (tools/repo/model_loads.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.repo.model_loads import model_load_context
from tools.repo.reader import RepoReader

MODEL = "models/model.pt"


def _repo(root: Path, files: dict[str, str]) -> RepoReader:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "models").mkdir(exist_ok=True)
    (root / MODEL).write_bytes(b"PK\x03\x04 not a real archive")
    return RepoReader(root, max_file_bytes=100_000)


CASES: list[tuple[str, dict[str, str], bool | None, str]] = [
    (
        "torch-load-literal",
        {"app/serve.py": 'import torch\nmodel = torch.load("models/model.pt")\n'},
        True,
        "app/serve.py:2",
    ),
    (
        "aliased-joblib-through-a-constant",
        {
            "app/predict.py": (
                "from joblib import load as restore\nfrom pathlib import Path\n"
                'WEIGHTS = Path(__file__).parent.parent / "models" / "model.pt"\n'
                "def predict():\n    return restore(WEIGHTS)\n"
            )
        },
        True,
        "app/predict.py:5",
    ),
    (
        "pickle-load-of-an-open-file",
        {
            "svc/load.py": (
                "import pickle\nimport os\n"
                'PATH = os.path.join(os.environ["ROOT"], "models", "model.pt")\n'
                'with open(PATH, "rb") as handle:\n    MODEL = pickle.load(handle)\n'
            )
        },
        True,
        "svc/load.py:5",
    ),
    (
        "absolute-deploy-path-and-fstring",
        {
            "app/a.py": 'import torch\nm = torch.load("/srv/app/models/model.pt")\n',
            "app/b.py": 'import torch as t\nROOT = "/srv"\nm = t.load(f"{ROOT}/models/model.pt")\n',
        },
        True,
        "app/a.py:2",
    ),
    (
        "only-tests-load-it",
        {"tests/test_model.py": 'import torch\ndef test():\n    torch.load("models/model.pt")\n'},
        False,
        "tests/test_model.py:3",
    ),
    (
        "another-file-of-another-directory",
        {"app/serve.py": 'import torch\nmodel = torch.load("other/model.pt")\n'},
        False,
        "",
    ),
    (
        "weights-only-is-an-allowlisting-unpickler",
        {"app/serve.py": 'import torch\nm = torch.load("models/model.pt", weights_only=True)\n'},
        False,
        "weights_only=True",
    ),
    (
        "numpy-without-allow-pickle-is-not-a-loader",
        {"app/serve.py": 'import numpy as np\nm = np.load("models/model.pt")\n'},
        False,
        "",
    ),
    (
        "numpy-with-allow-pickle-is",
        {"app/serve.py": 'import numpy as np\nm = np.load("models/model.pt", allow_pickle=True)\n'},
        True,
        "app/serve.py:2",
    ),
    (
        "a-path-from-the-environment-may-be-this-file",
        {
            "app/serve.py": (
                'import os, pickle\nwith open(os.environ["MODEL"], "rb") as f:\n'
                "    m = pickle.load(f)\n"
            )
        },
        None,
        "app/serve.py:3 (production, pickle.load, path computed at run time)",
    ),
    (
        "the-name-in-a-comment-or-string-elsewhere-is-not-a-load",
        {"app/serve.py": '# we used to torch.load("models/model.pt")\nNAME = "model.pt"\n'},
        False,
        "no code loads it",
    ),
    (
        "unparseable-python-makes-it-unknown",
        {"app/broken.py": "def load(:\n    pickle.load(open('models/model.pt'))\n"},
        None,
        "could not be read",
    ),
]


@pytest.mark.parametrize(
    ("files", "loaded", "evidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_whether_production_code_loads_the_model_file(
    tmp_path: Path, files: dict[str, str], loaded: bool | None, evidence: str
) -> None:
    context = model_load_context(_repo(tmp_path / "repo", files), MODEL)
    assert context.loaded_in_production is loaded, context.note
    assert context.model_file == MODEL
    assert evidence in " ".join((context.note, *context.sites))


def test_production_loads_are_listed_before_test_loads(tmp_path: Path) -> None:
    files = {
        "a_tests/test_x.py": 'import torch\ntorch.load("models/model.pt")\n',
        "z_app/serve.py": 'import torch\n\n\ntorch.load("models/model.pt")\n',
    }
    context = model_load_context(_repo(tmp_path / "repo", files), MODEL)
    assert context.sites == (
        "z_app/serve.py:4 (production, torch.load)",
        "a_tests/test_x.py:2 (test, torch.load)",
    )
    # Paths are repository text: they stay in ``sites``, the note is ours and goes unescaped.
    assert "z_app" not in context.note
    assert (
        context.note
        == "production code loads it with torch.load at 1 place(s) (2 Python file(s) searched)"
    )
