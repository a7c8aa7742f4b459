"""The shipped spoken digits (datasets/speech/) and the speech loaders match datasets/README.md."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstm_course.data.speech import (
    ALLISON_AUDIO_FILE,
    ALLISON_INDEX_FILE,
    AUDIO_FILE,
    FLITE_AUDIO_FILE,
    FLITE_INDEX_FILE,
    FLITE_VOICES,
    INDEX_FILE,
    REAL_AUDIO_FILE,
    REAL_INDEX_FILE,
    REAL_SPEAKERS,
    SAMPLE_RATE,
    SPLITS,
    download_fsdd,
    load_allison_digits,
    load_flite_voices,
    load_fsdd,
    load_real_digits,
    load_speech,
    sha256_of,
)
from lstm_course.paths import REPO_ROOT, dataset_path

README = REPO_ROOT / "datasets" / "README.md"


def speech_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section: speech -->(.*)<!-- end: speech -->", text, re.S)
    assert match, "datasets/README.md has no speech section"
    return match.group(1)


def index_rows() -> list[dict[str, str]]:
    with open(dataset_path(*INDEX_FILE), newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("parts", [AUDIO_FILE, INDEX_FILE])
def test_sha256_matches_readme(parts):
    name = "/".join(parts)
    match = re.search(rf"`{re.escape(name)}` \| [\d,]+ \| `([0-9a-f]{{64}})`", speech_section())
    assert match, f"no sha256 for {name} in datasets/README.md"
    assert sha256_of(dataset_path(*parts)) == match.group(1)


def test_files_are_small():
    total = sum(dataset_path(*p).stat().st_size for p in (AUDIO_FILE, INDEX_FILE))
    assert total < 8_000_000, f"datasets/speech/ holds {total} bytes; keep it well under 10 MB"


def test_splits_are_voice_disjoint_and_balanced():
    rows = index_rows()
    voices = {s: {r["voice"] for r in rows if r["split"] == s} for s in SPLITS}
    assert not voices["train"] & voices["test"], "a test voice is also in train"
    assert not voices["train"] & voices["validation"], "a validation voice is also in train"
    assert not voices["validation"] & voices["test"], "a test voice is also in validation"
    for split in SPLITS:
        counts = np.bincount([int(r["digit"]) for r in rows if r["split"] == split], minlength=10)
        assert len(counts) == 10 and counts.min() == counts.max() > 0, f"{split}: unbalanced digits {counts}"
    table = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| (train|validation|test) \| (\d+) \| (\d+) \|", speech_section(), re.M)
    }
    for split in SPLITS:
        n_clips = sum(r["split"] == split for r in rows)
        assert table.get(split) == (len(voices[split]), n_clips), f"README table row of {split} is out of date"


def test_index_matches_audio():
    import soundfile as sf

    info = sf.info(str(dataset_path(*AUDIO_FILE)))
    rows = index_rows()
    assert info.samplerate == SAMPLE_RATE and info.channels == 1
    starts = np.array([int(r["start"]) for r in rows])
    lengths = np.array([int(r["length"]) for r in rows])
    assert starts[0] == 0 and np.array_equal(starts[1:], np.cumsum(lengths)[:-1]), "clips must be contiguous"
    assert starts[-1] + lengths[-1] == info.frames
    word_end = np.array([int(r["word_start"]) + int(r["word_length"]) for r in rows])
    assert np.all(word_end <= lengths)


def test_load_speech_is_deterministic_and_noisy():
    a, b = load_speech("test"), load_speech("test")
    clean = load_speech("test", noise=False)
    assert len(a) == len(clean) == sum(r["split"] == "test" for r in index_rows())
    assert all(np.array_equal(x, y) for x, y in zip(a.audio, b.audio, strict=True)), "noise must be seeded"
    assert a.audio[0].dtype == np.float32 and a.digits.dtype == np.int64
    x, c = a.audio[0], clean.audio[0]
    assert x.shape == c.shape and not np.array_equal(x, c)
    w0, wl = int(a.info[0]["word_start"]), int(a.info[0]["word_length"])
    snr = 10 * np.log10(np.mean(c[w0 : w0 + wl] ** 2) / np.mean((x - c) ** 2))
    assert abs(snr - float(a.info[0]["snr_db"])) < 1.0
    assert np.all(clean.audio[0][:w0] == 0), "the clean clip is silent before the word"
    with pytest.raises(ValueError):
        load_speech("dev")


def test_subsets():
    clips = load_speech("validation", noise=False)
    few = clips.per_digit(2)
    assert len(few) == 20 and np.array_equal(np.bincount(few.digits), np.full(10, 2))
    assert few.info[0] is clips.info[int(np.flatnonzero(clips.digits == few.digits[0])[0])]


# --- Free Spoken Digit Dataset path, on a tiny archive of the same layout made here -----------------------


def _wav_bytes(x: np.ndarray, sr: int) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, x, sr, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture
def tiny_fsdd(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """A zip laid out like the FSDD release: <top>/recordings/{digit}_{speaker}_{index}.wav (+ noise files)."""
    rng = np.random.default_rng(0)
    written = {}
    archive = tmp_path / "fsdd-tiny.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for speaker in ("alice", "bob", "theo", "nicolas"):
            for digit in (0, 7):
                for index in (0, 1):
                    x = (0.3 * rng.standard_normal(800 + 100 * index)).clip(-1, 1).astype(np.float32)
                    name = f"{digit}_{speaker}_{index}.wav"
                    z.writestr(f"free-spoken-digit-dataset-1.0.10/recordings/{name}", _wav_bytes(x, 8000))
                    written[name] = x
        z.writestr("free-spoken-digit-dataset-1.0.10/README.md", "not a recording")
        z.writestr("free-spoken-digit-dataset-1.0.10/recordings/notes.wav.txt", "ignored")
        # One recording at another sample rate is resampled to 8 kHz.
        z.writestr("free-spoken-digit-dataset-1.0.10/recordings/3_carol_0.wav", _wav_bytes(np.zeros(1600), 16000))
    return archive, written


def test_load_fsdd_from_zip_and_folder(tiny_fsdd, tmp_path):
    archive, written = tiny_fsdd
    for source in (archive, tmp_path / "unpacked"):
        if source != archive:
            zipfile.ZipFile(archive).extractall(source)
        parts = load_fsdd(source)
        assert set(parts) == set(SPLITS)
        assert set(parts["test"].voices) == {"theo"} and set(parts["validation"].voices) == {"nicolas"}
        assert set(parts["train"].voices) == {"alice", "bob", "carol"}
        assert len(parts["train"]) == 9 and len(parts["test"]) == 4
        test = parts["test"]
        assert test.digits.tolist() == [0, 0, 7, 7]
        for x, info in zip(test.audio, test.info, strict=True):
            expected = written[info["file"]]
            assert x.dtype == np.float32
            np.testing.assert_allclose(x, expected, atol=1 / 32768 + 1e-7)
        carol = parts["train"].audio[int(np.flatnonzero(parts["train"].voices == "carol")[0])]
        assert len(carol) == 800, "16 kHz clips should be resampled to 8 kHz"


def test_load_fsdd_custom_split_and_missing(tiny_fsdd, tmp_path):
    archive, _ = tiny_fsdd
    parts = load_fsdd(archive, test_speakers=("alice", "bob"), validation_speakers=())
    assert set(parts["test"].voices) == {"alice", "bob"} and len(parts["validation"]) == 0
    with pytest.raises(FileNotFoundError):
        load_fsdd(tmp_path)


def test_download_fsdd_checks_sha256(tiny_fsdd, tmp_path):
    archive, _ = tiny_fsdd
    url = archive.as_uri()  # file:// -- the tests never touch the network
    digest = sha256_of(archive)
    dest = tmp_path / "downloads"
    path = download_fsdd(dest, url=url, sha256=digest)
    assert path.exists() and sha256_of(path) == digest
    assert len(load_fsdd(path)["test"]) == 4
    again = download_fsdd(dest, url="file:///nonexistent/fsdd-tiny.zip", sha256=digest)
    assert again == path, "an archive with the right checksum is reused, not fetched again"
    with pytest.raises(ValueError, match="sha256"):
        download_fsdd(tmp_path / "other", url=url, sha256="0" * 64)
    assert not list((tmp_path / "other").iterdir()), "a download with the wrong checksum must be deleted"


# --- the real recordings: four FSDD speakers (datasets/speech/fsdd_*; built by datasets/build_fsdd.py) -----------

FSDD_SOURCE = Path("/work/shared/data/fsdd")  # where the course's raw copy was; the build test skips without it


@pytest.mark.parametrize(
    "parts",
    [REAL_AUDIO_FILE, REAL_INDEX_FILE, FLITE_AUDIO_FILE, FLITE_INDEX_FILE, ALLISON_AUDIO_FILE, ALLISON_INDEX_FILE],
)
def test_recorded_and_flite_sha256_and_size_match_readme(parts):
    name = "/".join(parts)
    match = re.search(rf"`{re.escape(name)}` \| [\d,]+ \| `([0-9a-f]{{64}})`", speech_section())
    assert match, f"no sha256 for {name} in datasets/README.md"
    assert sha256_of(dataset_path(*parts)) == match.group(1)
    size = re.search(rf"`{re.escape(name)}` \| ([\d,]+) \|", speech_section()).group(1)
    assert int(size.replace(",", "")) == dataset_path(*parts).stat().st_size, f"README size of {name} is out of date"


def test_real_files_are_small():
    total = sum(dataset_path(*p).stat().st_size for p in (REAL_AUDIO_FILE, REAL_INDEX_FILE))
    assert total < 6_000_000, f"the real recordings take {total} bytes; keep them a few MB"


def test_load_real_digits():
    clips = load_real_digits()
    assert len(clips) == 2000 and clips.sample_rate == SAMPLE_RATE
    assert tuple(sorted(set(clips.voices))) == REAL_SPEAKERS
    for speaker in REAL_SPEAKERS:
        counts = np.bincount(clips.digits[clips.voices == speaker], minlength=10)
        assert counts.tolist() == [50] * 10, f"{speaker}: {counts} takes per digit, expected 50 each"
    assert all(a.dtype == np.float32 and a.ndim == 1 and np.abs(a).max() <= 1.0 for a in clips.audio)
    lengths = np.array([len(a) for a in clips.audio]) / SAMPLE_RATE
    assert 0.1 < lengths.min() and lengths.max() < 1.5
    assert all(np.abs(a).max() > 0.01 for a in clips.audio), "a clip is silent"
    # every clip carries its provenance: the original file name and its sha256
    names = {r["file"] for r in clips.info}
    assert len(names) == 2000 and all(re.fullmatch(r"\d_[a-z]+_\d+\.wav", n) for n in names)
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["sha256"]) for r in clips.info)
    two = load_real_digits(["lucas", "george"])
    assert len(two) == 1000 and two.voices[0] == "lucas" and two.voices[-1] == "george"
    np.testing.assert_array_equal(two.audio[500], clips.audio[0])
    with pytest.raises(ValueError, match="theo"):
        load_real_digits(["theo"])


def test_real_index_matches_audio():
    import soundfile as sf

    info = sf.info(str(dataset_path(*REAL_AUDIO_FILE)))
    with open(dataset_path(*REAL_INDEX_FILE), newline="") as f:
        rows = list(csv.DictReader(f))
    assert info.samplerate == SAMPLE_RATE and info.channels == 1
    starts = np.array([int(r["start"]) for r in rows])
    lengths = np.array([int(r["length"]) for r in rows])
    assert starts[0] == 0 and np.array_equal(starts[1:], np.cumsum(lengths)[:-1]), "clips must be contiguous"
    assert starts[-1] + lengths[-1] == info.frames


def _build_fsdd():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_fsdd", REPO_ROOT / "datasets" / "build_fsdd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tiny_source(folder: Path) -> None:
    import hashlib

    import soundfile as sf

    rng = np.random.default_rng(0)
    lines = []
    for name in ("0_anna_0.wav", "7_anna_1.wav", "3_ben_0.wav"):
        sf.write(folder / name, (rng.standard_normal(900) * 3000).astype(np.int16), SAMPLE_RATE, subtype="PCM_16")
        lines.append(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def test_build_fsdd_checks_every_digest(tmp_path):
    import soundfile as sf

    build = _build_fsdd()
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    _tiny_source(src)
    hashes = build.build(src, out)
    rows = list(csv.DictReader(open(out / build.INDEX_FILE, newline="")))
    expected = [("anna", "0", "0"), ("anna", "7", "1"), ("ben", "3", "0")]
    assert [(r["speaker"], r["digit"], r["take"]) for r in rows] == expected
    audio, sr = sf.read(out / build.AUDIO_FILE, dtype="int16")
    original, _ = sf.read(src / "0_anna_0.wav", dtype="int16")
    assert sr == SAMPLE_RATE and len(audio) == 2700
    assert np.all(audio % build.STEP == 0) and np.abs(audio[:900].astype(int) - original).max() <= build.STEP // 2
    assert build.build(src, tmp_path / "again") == hashes, "the build must be deterministic"
    # a changed recording, a missing one and an unlisted one are all refused
    (src / "9_ben_4.wav").write_bytes((src / "3_ben_0.wav").read_bytes())
    with pytest.raises(SystemExit, match="not in SHA256SUMS"):
        build.build(src, out)
    (src / "9_ben_4.wav").unlink()
    data = bytearray((src / "7_anna_1.wav").read_bytes())
    data[-1] ^= 1
    (src / "7_anna_1.wav").write_bytes(bytes(data))
    with pytest.raises(SystemExit, match=r"7_anna_1\.wav: sha256"):
        build.build(src, out)
    (src / "7_anna_1.wav").unlink()
    with pytest.raises(SystemExit, match="missing"):
        build.build(src, out)


@pytest.mark.skipif(not FSDD_SOURCE.is_dir(), reason="the raw FSDD folder is not on this machine")
def test_build_fsdd_reproduces_shipped_files(tmp_path):
    build = _build_fsdd()
    hashes = build.build(FSDD_SOURCE, tmp_path)
    for name, digest in hashes.items():
        assert digest == sha256_of(dataset_path("speech", name)), f"rebuilding {name} gives another file"


def test_flite_voices_are_balanced_seeded_and_noisy():
    a, b, clean = load_flite_voices(), load_flite_voices(), load_flite_voices(noise=False)
    assert set(a.voices) == set(FLITE_VOICES) and a.sample_rate == SAMPLE_RATE
    counts = {(v, d): 0 for v in FLITE_VOICES for d in range(10)}
    for v, d in zip(a.voices, a.digits, strict=True):
        counts[(v, int(d))] += 1
    assert len(set(counts.values())) == 1, f"every voice should say every digit equally often: {counts}"
    assert all(np.array_equal(x, y) for x, y in zip(a.audio, b.audio, strict=True)), "noise must be seeded"
    k = len(a) // 2
    w0, wl = int(a.info[k]["word_start"]), int(a.info[k]["word_length"])
    c, x = clean.audio[k], a.audio[k]
    snr = 10 * np.log10(np.mean(c[w0 : w0 + wl] ** 2) / np.mean((x - c) ** 2))
    assert abs(snr - float(a.info[k]["snr_db"])) < 1.0
    assert {r["split"] for r in a.info} == {"train"}, "the Flite voices are training data only"
    assert sum(dataset_path(*p).stat().st_size for p in (FLITE_AUDIO_FILE, FLITE_INDEX_FILE)) < 6_000_000


@pytest.mark.skipif(shutil.which("flite") is None, reason="Debian's flite is not installed (apt-get install flite)")
def test_build_flite_reproduces_shipped_files(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.syspath_prepend(str(REPO_ROOT / "datasets"))  # build_flite imports build_speech from there
    spec = importlib.util.spec_from_file_location("build_flite", REPO_ROOT / "datasets" / "build_flite.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    clips = build.synthesise(np.random.default_rng(build.SEED))
    hashes = build.write(clips, tmp_path, build.AUDIO_FILE, build.INDEX_FILE, build.CSV_FIELDS)
    for name, digest in hashes.items():
        assert digest == sha256_of(dataset_path("speech", name)), f"rebuilding {name} gives another file"


def test_allison_says_every_digit_once():
    clips = load_allison_digits()
    assert list(clips.digits) == list(range(10)) and set(clips.voices) == {"allison"}
    assert all(x.dtype == np.float32 and 0.3 < len(x) / SAMPLE_RATE < 2.0 for x in clips.audio)


ALLISON_SOURCE = Path("/usr/share/asterisk/sounds/en_US_f_Allison/digits")


@pytest.mark.skipif(not ALLISON_SOURCE.is_dir(), reason="Debian's asterisk-core-sounds-en-wav is not installed")
def test_build_allison_reproduces_shipped_files_and_refuses_a_changed_one(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.syspath_prepend(str(REPO_ROOT / "datasets"))  # build_allison imports build_speech from there
    spec = importlib.util.spec_from_file_location("build_allison", REPO_ROOT / "datasets" / "build_allison.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, digest in build.build(ALLISON_SOURCE, tmp_path / "out").items():
        assert digest == sha256_of(dataset_path("speech", name)), f"rebuilding {name} gives another file"
    changed = tmp_path / "changed"
    shutil.copytree(ALLISON_SOURCE, changed)
    data = bytearray((changed / "4.wav").read_bytes())
    data[-1] ^= 1
    (changed / "4.wav").write_bytes(bytes(data))
    with pytest.raises(SystemExit, match=r"4\.wav: sha256"):
        build.build(changed, tmp_path / "again")
