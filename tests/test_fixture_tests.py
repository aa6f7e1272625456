"""Tests that reach project code only through conftest fixtures count as tests of it (data-7, infra-2),
and a nested package project in src layout (`sub/pyproject.toml`, `sub/src/pkg`) resolves `import pkg`."""

from __future__ import annotations

from conftest import audit

PREPROCESS = """
import tensorflow as tf


class AudioToRecords:
    def __init__(self, audio_dir, out_dir):
        self.audio_dir, self.out_dir = audio_dir, out_dir

    def list_files(self):
        return sorted(self.audio_dir.glob("*.wav"))

    def split(self, files, ratio=0.8):
        cut = int(len(files) * ratio)
        return files[:cut], files[cut:]
"""

CONFTEST = """
import pytest

from soundclf.utils.preprocess import AudioToRecords


@pytest.fixture
def audio_dir(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "b.wav").write_bytes(b"RIFF")
    return tmp_path


@pytest.fixture
def processor(audio_dir, tmp_path):
    return AudioToRecords(audio_dir, tmp_path / "out")


@pytest.fixture
def files(processor):
    return processor.list_files()
"""

TEST_PREPROCESS = """
def test_files_found(processor):
    assert processor.list_files()


def test_split_not_empty(processor, files):
    train, val = processor.split(files, 0.5)
    assert train and val
"""

TEST_UNRELATED = """
def test_audio_dir_has_wavs(audio_dir):
    assert list(audio_dir.glob("*.wav"))
"""

PYPROJECT = """
[tool.poetry]
name = "soundclf"
version = "0.1.0"
packages = [{ include = "soundclf", from = "src" }]
"""


def _files():
    return {
        "soundclf/pyproject.toml": PYPROJECT,
        "soundclf/src/soundclf/__init__.py": "",
        "soundclf/src/soundclf/utils/__init__.py": "",
        "soundclf/src/soundclf/utils/preprocess.py": PREPROCESS,
        "soundclf/tests/conftest.py": CONFTEST,
        "soundclf/tests/test_preprocess.py": TEST_PREPROCESS,
        "soundclf/tests/test_dirs.py": TEST_UNRELATED,
    }


def test_tests_using_a_conftest_fixture_built_from_feature_code_exercise_it(repo):
    result = audit(repo(_files())).item("data-7")
    assert result.score == 0.5
    proof = result.evidence[0]
    assert proof.path == "soundclf/tests/test_preprocess.py" and proof.line == 1  # the first test using the fixture
    assert "2 tests exercising soundclf/src/soundclf/utils/preprocess.py through conftest fixture" in proof.detail
    # a test requesting only a fixture that touches no project code is not a test of it
    assert all(e.path != "soundclf/tests/test_dirs.py" for e in result.evidence)


def test_a_test_file_outside_the_conftest_folder_gets_none_of_its_fixtures(repo):
    files = _files()
    files["other/test_elsewhere.py"] = files.pop("soundclf/tests/test_preprocess.py")
    result = audit(repo(files)).item("data-7")
    assert result.score == 0


def test_without_the_packaging_file_the_nested_src_package_does_not_resolve(repo):
    files = _files()
    del files["soundclf/pyproject.toml"]
    assert audit(repo(files)).item("data-7").score == 0


FACE_SCRIPT = """
import cv2
import numpy as np


def extract_face(img, cascade, size=50):
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    x, y, w, h = cascade.detectMultiScale(gray, 1.3, 5)[0]
    return cv2.resize(gray[y : y + h, x : x + w], (size, size))
"""

TEST_BY_PATH = """
import importlib.util
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(__file__))


def load(filename, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


capture = load("take picture.py", "capture")


def test_face_is_cropped_and_resized():
    class Cascade:
        def detectMultiScale(self, gray, a, b):
            return [(10, 10, 40, 40)]

    assert capture.extract_face(np.zeros((100, 100, 3), np.uint8), Cascade()).shape == (50, 50)
"""

JENKINSFILE = """
pipeline {
    agent any
    stages {
        stage('Unit Tests') {
            steps {
                sh 'python -m pytest tests -q'
            }
        }
    }
}
"""


def test_a_script_loaded_by_file_path_is_exercised_and_a_jenkins_job_without_triggers_is_hand_run(repo):
    files = {"take picture.py": FACE_SCRIPT, "tests/test_all.py": TEST_BY_PATH, "Jenkinsfile": JENKINSFILE}
    result = audit(repo(files, name="jenkins")).item("data-7")
    assert result.score == 0.5  # the Jenkins job's trigger lives in the Jenkins server, outside the repo
    assert result.evidence[0].path == "tests/test_all.py"
    assert "exercising take picture.py" in result.evidence[0].detail
    polled = JENKINSFILE.replace("agent any", "agent any\n    triggers { pollSCM('H/5 * * * *') }")
    assert audit(repo({**files, "Jenkinsfile": polled}, name="polled")).item("data-7").score == 1
