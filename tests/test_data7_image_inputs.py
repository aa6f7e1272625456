"""data-7: image preprocessing (PIL resampling, OpenCV resize/colour conversion) in a module of any name
is input feature code, so the tests that import it count."""

from __future__ import annotations

from conftest import audit

DATA_MODULE = """
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.Image import Resampling

LABEL_COLOURS = {(0, 0, 0): 0, (255, 0, 0): 1}


def maybe_resize(img: Image.Image, size: int | None, is_mask: bool) -> Image.Image:
    if size is None:
        return img
    resample = Resampling.NEAREST if is_mask else Resampling.BILINEAR
    return img.resize((size, size), resample=resample)


def colour_mask_to_classes(arr: np.ndarray) -> np.ndarray:
    out = np.zeros(arr.shape[:2], dtype=np.uint8)
    for colour, cls in LABEL_COLOURS.items():
        out[np.all(arr == np.array(colour), axis=-1)] = cls
    return out
"""

CV2_MODULE = """
import cv2


def load_face(path, size=160):
    img = cv2.imread(path)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return cv2.resize(img, (size, size))
"""

TEST_DATA = """
import numpy as np
from PIL import Image

from segproj import data


def test_resize_keeps_mask_labels():
    img = Image.new("L", (4, 4), color=1)
    assert set(np.array(data.maybe_resize(img, 2, True)).ravel()) == {1}


def test_colours_map_to_classes():
    arr = np.zeros((2, 2, 3), dtype=np.uint8)
    assert data.colour_mask_to_classes(arr).shape == (2, 2)
"""

WORKFLOW = """
name: tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: uv sync --dev
      - run: uv run pytest -v
"""


def test_a_tested_data_module_resizing_images_is_tested_feature_code(repo):
    files = {"src/segproj/__init__.py": "", "src/segproj/data.py": DATA_MODULE, "tests/test_data.py": TEST_DATA}
    result = audit(repo(files, name="manual")).item("data-7")
    assert result.score == 0.5 and result.evidence[0].path == "tests/test_data.py"
    result = audit(repo({**files, ".github/workflows/tests.yaml": WORKFLOW}, name="ci")).item("data-7")
    assert result.score == 1


def test_opencv_preprocessing_is_feature_code_and_plain_image_io_is_not(repo):
    root = repo(
        {
            "app/loading.py": CV2_MODULE,
            "app/io.py": "from PIL import Image\n\n\ndef open_(p):\n    return Image.open(p)\n",
        }
    )
    result = audit(root).item("data-7")
    assert result.score == 0
    assert [e.path for e in result.evidence] == ["app/loading.py"]
