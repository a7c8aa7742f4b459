"""Spoken digits for notebook 07: four real FSDD speakers and a synthetic set (both shipped), and the full FSDD.

:func:`load_real_digits` reads the shipped real recordings (``datasets/speech/fsdd_8k.flac``, built by
``datasets/build_fsdd.py``): four adult male speakers of the Free Spoken Digit Dataset, 50 takes of every
digit each, CC BY-SA 4.0.

The shipped set (``datasets/speech/``, built by ``datasets/build_speech.py``) is **synthetic**: eSpeak NG
says zero..nine with many voices; the splits are voice-disjoint, so ``test`` measures recognition of voices
never heard in training. Each clip's background noise is added here, deterministically, from the seed and
SNR stored in ``clips.csv`` (storing noise would triple the file).

:func:`load_flite_voices` reads more synthetic training clips (``speech/flite_8k.flac``, ``build_flite.py``):
CMU Flite's four voices, built from recordings of real people. :func:`load_allison_digits` reads ten real
clips of a woman (Allison Smith's Asterisk prompts, ``build_allison.py``), never used for training.

The full Free Spoken Digit Dataset (FSDD, real human recordings, CC BY-SA 4.0, files
``{digit}_{speaker}_{index}.wav`` at 8 kHz, six speakers) is *not* shipped. :func:`load_fsdd` reads it from a
folder or a zip archive; :func:`download_fsdd` fetches the archive when you are online and checks its sha256.

Example::

    from lstm_course.data.speech import load_speech
    train = load_speech("train")
    train.audio[0], train.digits[0], train.voices[0]
"""

from __future__ import annotations

import csv
import hashlib
import re
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_course.paths import dataset_path

__all__ = [
    "DIGITS",
    "FLITE_VOICES",
    "FSDD_SHA256",
    "FSDD_URL",
    "REAL_SPEAKERS",
    "SAMPLE_RATE",
    "SPLITS",
    "SpeechClips",
    "download_fsdd",
    "load_allison_digits",
    "load_flite_voices",
    "load_fsdd",
    "load_real_digits",
    "load_speech",
    "sha256_of",
]

SAMPLE_RATE = 8000
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SPLITS = ("train", "validation", "test")
AUDIO_FILE = ("speech", "digits_8k.flac")
INDEX_FILE = ("speech", "clips.csv")
FLITE_AUDIO_FILE = ("speech", "flite_8k.flac")
FLITE_INDEX_FILE = ("speech", "flite_clips.csv")
#: CMU Flite's voices in ``datasets/speech/flite_8k.flac`` (built from recordings of people; training data only).
FLITE_VOICES = ("kal16", "awb", "rms", "slt")
ALLISON_AUDIO_FILE = ("speech", "allison_8k.flac")
ALLISON_INDEX_FILE = ("speech", "allison_clips.csv")
REAL_AUDIO_FILE = ("speech", "fsdd_8k.flac")
REAL_INDEX_FILE = ("speech", "fsdd_clips.csv")
#: The real speakers shipped in ``datasets/speech/fsdd_8k.flac`` (all adult men; see datasets/README.md).
REAL_SPEAKERS = ("george", "jackson", "lucas", "nicolas")

#: FSDD release archive on GitHub (Jakobovski/free-spoken-digit-dataset, tag v1.0.10: 6 speakers, 3000 clips).
FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.zip"
#: sha256 of the archive at ``FSDD_URL``. ``None``: not pinned (the course was built offline); the digest is
#: then printed on download so that you can pin it. Pass ``sha256=`` to enforce one.
FSDD_SHA256: str | None = None

_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$")


@dataclass
class SpeechClips:
    """A set of labelled clips.

    Attributes:
        audio: list of N float32 arrays in [-1, 1], each (L_i,) samples at ``sample_rate``.
        digits: (N,) int64 labels 0..9.
        voices: (N,) speaker / voice names.
        sample_rate: samples per second (8000).
        info: one dict per clip with everything else known about it (synthesis settings, file name, ...).
    """

    audio: list[np.ndarray]
    digits: np.ndarray
    voices: np.ndarray
    sample_rate: int = SAMPLE_RATE
    info: list[dict[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.audio)

    def subset(self, index: Iterable[int]) -> SpeechClips:
        """Return the clips at positions ``index`` (in that order)."""
        idx = list(index)
        return SpeechClips(
            [self.audio[i] for i in idx],
            self.digits[idx],
            self.voices[idx],
            self.sample_rate,
            [self.info[i] for i in idx] if self.info else [],
        )

    def per_digit(self, n: int) -> SpeechClips:
        """Return at most ``n`` clips of every digit (the first ones, in order), e.g. for a quick run."""
        counts = np.zeros(10, int)
        keep = []
        for i, d in enumerate(self.digits):
            if counts[d] < n:
                keep.append(i)
                counts[d] += 1
        return self.subset(keep)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_audio(path_or_file) -> tuple[np.ndarray, int]:  # type: ignore[no-untyped-def]
    """Read a sound file as int16 samples (first channel) and its sample rate."""
    import soundfile as sf

    data, sr = sf.read(path_or_file, dtype="int16", always_2d=True)
    return data[:, 0], int(sr)


def _to_float(x: np.ndarray) -> np.ndarray:
    return (x.astype(np.float32) / 32768.0).astype(np.float32)


def add_noise(clean: np.ndarray, word: slice, snr_db: float, seed: int) -> np.ndarray:
    """Add white noise at ``snr_db`` below the RMS of ``clean[word]``, from generator ``seed``."""
    rms = float(np.sqrt(np.mean(clean[word].astype(np.float64) ** 2)))
    noise = np.random.default_rng(seed).normal(0.0, rms * 10 ** (-snr_db / 20), clean.shape)
    return np.clip(clean + noise, -1.0, 1.0).astype(np.float32)


def load_speech(split: str = "train", noise: bool = True) -> SpeechClips:
    """Load one split of the shipped synthetic spoken digits (8 kHz, float32 in [-1, 1]).

    Args:
        split: ``"train"``, ``"validation"`` or ``"test"`` (voice-disjoint: test voices are never in train).
        noise: add each clip's background noise (as the dataset defines it); ``False`` gives clean clips.

    Returns:
        The clips in file order; ``info`` holds each row of ``clips.csv``.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return _load_synthetic(INDEX_FILE, AUDIO_FILE, split, noise)


def load_flite_voices(noise: bool = True) -> SpeechClips:
    """Load the digits said by CMU Flite's four voices (``FLITE_VOICES``; 8 kHz, float32 in [-1, 1]).

    Flite's voices are built from recordings of real people (three men, one woman), so they sound closer to
    human speech than eSpeak's rules; notebook 07 uses them as extra *training* data only.

    Args:
        noise: add each clip's background noise (seed and SNR in ``flite_clips.csv``); ``False``: clean clips.

    Returns:
        The clips in voice, digit, take order; ``info`` holds each row of ``flite_clips.csv``.
    """
    return _load_synthetic(FLITE_INDEX_FILE, FLITE_AUDIO_FILE, "train", noise)


def _load_synthetic(index_file: tuple[str, ...], audio_file: tuple[str, ...], split: str, noise: bool) -> SpeechClips:
    """The rows of one split of a synthetic set's CSV and their clips from its FLAC, noise added if asked."""
    with open(dataset_path(*index_file), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == split]
    samples, sr = _read_audio(dataset_path(*audio_file))
    audio = []
    for r in rows:
        start, length = int(r["start"]), int(r["length"])
        x = _to_float(samples[start : start + length])
        if noise:
            w0 = int(r["word_start"])
            x = add_noise(x, slice(w0, w0 + int(r["word_length"])), float(r["snr_db"]), int(r["noise_seed"]))
        audio.append(x)
    return SpeechClips(
        audio,
        np.array([int(r["digit"]) for r in rows], dtype=np.int64),
        np.array([r["voice"] for r in rows]),
        sr,
        rows,
    )


def load_real_digits(speakers: Sequence[str] | None = None) -> SpeechClips:
    """Load the shipped real recordings: four speakers of the Free Spoken Digit Dataset (8 kHz, float32).

    Args:
        speakers: the speakers to load (default all of ``REAL_SPEAKERS``), in that order.

    Returns:
        The clips of those speakers, each speaker's sorted by digit then take; ``voices`` holds the speaker
        names and ``info`` each row of ``fsdd_clips.csv`` (file name, take, sha256 of the original WAV).

    Raises:
        ValueError: for a speaker who is not in the shipped set.
    """
    speakers = tuple(REAL_SPEAKERS if speakers is None else speakers)
    unknown = sorted(set(speakers) - set(REAL_SPEAKERS))
    if unknown:
        raise ValueError(f"no shipped recordings of {unknown}; the speakers are {REAL_SPEAKERS}")
    with open(dataset_path(*REAL_INDEX_FILE), newline="") as f:
        rows = list(csv.DictReader(f))
    rows = [r for s in speakers for r in rows if r["speaker"] == s]
    return _recorded_clips(rows, REAL_AUDIO_FILE)


def load_allison_digits() -> SpeechClips:
    """Load a woman's voice: Allison Smith saying zero..nine once each (Asterisk's prompts, 8 kHz, float32).

    Ten clips are no test set; notebook 07 plays them to its model to show what it does with a female voice
    (the FSDD speakers are all men). ``info`` holds each row of ``allison_clips.csv`` (file, sha256).
    """
    with open(dataset_path(*ALLISON_INDEX_FILE), newline="") as f:
        rows = list(csv.DictReader(f))
    return _recorded_clips(rows, ALLISON_AUDIO_FILE)


def _recorded_clips(rows: list[dict[str, str]], audio_file: tuple[str, ...]) -> SpeechClips:
    """The clips of ``rows`` (start, length, digit, speaker) cut from one FLAC of real recordings."""
    samples, sr = _read_audio(dataset_path(*audio_file))
    audio = [_to_float(samples[int(r["start"]) : int(r["start"]) + int(r["length"])]) for r in rows]
    return SpeechClips(
        audio,
        np.array([int(r["digit"]) for r in rows], dtype=np.int64),
        np.array([r["speaker"] for r in rows]),
        sr,
        rows,
    )


def _resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    if sr == target:
        return x
    from scipy.signal import resample_poly

    g = np.gcd(sr, target)
    return resample_poly(x, target // g, sr // g).astype(np.float32)


def load_fsdd(
    source: str | Path,
    test_speakers: Sequence[str] = ("theo",),
    validation_speakers: Sequence[str] = ("nicolas",),
) -> dict[str, SpeechClips]:
    """Read the Free Spoken Digit Dataset from a folder or a ``.zip`` archive, split by speaker.

    Every file named ``{digit}_{speaker}_{index}.wav`` anywhere below ``source`` (or in the archive) is
    read; other files are ignored. Clips not at 8 kHz are resampled.

    Args:
        source: folder (e.g. ``free-spoken-digit-dataset/recordings``) or zip archive.
        test_speakers: speakers whose clips form ``"test"`` (never seen in training).
        validation_speakers: speakers whose clips form ``"validation"``; everyone else is ``"train"``.

    Returns:
        ``{"train": ..., "validation": ..., "test": ...}``, each sorted by speaker, digit, index.

    Raises:
        FileNotFoundError: if no FSDD file is found.
    """
    source = Path(source)
    found: list[tuple[str, int, int, object]] = []  # speaker, digit, index, reader argument
    if source.is_file() and zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        for name in archive.namelist():
            m = _FSDD_NAME.match(Path(name).name)
            if m:
                found.append((m[2], int(m[1]), int(m[3]), name))
    else:
        archive = None
        for path in source.rglob("*.wav"):
            m = _FSDD_NAME.match(path.name)
            if m:
                found.append((m[2], int(m[1]), int(m[3]), path))
    if not found:
        raise FileNotFoundError(f"No FSDD files named {{digit}}_{{speaker}}_{{index}}.wav in {source}.")
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    parts: dict[str, list] = {s: [] for s in SPLITS}
    for speaker, digit, index, where in found:
        if archive is not None:
            import io

            x, sr = _read_audio(io.BytesIO(archive.read(str(where))))
        else:
            x, sr = _read_audio(where)
        split = "test" if speaker in test_speakers else "validation" if speaker in validation_speakers else "train"
        info = {"file": Path(str(where)).name, "speaker": speaker, "digit": str(digit), "index": str(index)}
        parts[split].append((_resample(_to_float(x), sr, SAMPLE_RATE), digit, speaker, info))
    return {
        split: SpeechClips(
            [p[0] for p in items],
            np.array([p[1] for p in items], dtype=np.int64),
            np.array([p[2] for p in items], dtype=str),
            SAMPLE_RATE,
            [p[3] for p in items],
        )
        for split, items in parts.items()
    }


def download_fsdd(
    dest: str | Path,
    url: str = FSDD_URL,
    sha256: str | None = FSDD_SHA256,
) -> Path:
    """Download the FSDD archive to ``dest`` (a folder) once and check its sha256; return the archive path.

    Needs a network connection; the course's notebooks and tests never call it. An existing archive with
    the right checksum is reused.

    Args:
        dest: folder for the archive.
        url: where to fetch it (any URL ``urllib`` opens, including ``file://``).
        sha256: expected hex digest; ``None`` skips the check and prints the digest to pin.

    Raises:
        ValueError: if the downloaded file's sha256 differs from ``sha256`` (the file is then deleted).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / Path(urllib.parse.urlparse(url).path).name
    if target.exists() and sha256 is not None and sha256_of(target) == sha256:
        return target
    partial = target.with_suffix(target.suffix + ".part")
    with urllib.request.urlopen(url) as response, open(partial, "wb") as f:
        while block := response.read(1 << 20):
            f.write(block)
    digest = sha256_of(partial)
    if sha256 is not None and digest != sha256:
        partial.unlink()
        raise ValueError(f"{url} has sha256 {digest}, expected {sha256}: download corrupted or changed.")
    if sha256 is None:
        print(f"Downloaded {url}: sha256 {digest} (not verified; pass sha256= to pin it).")
    partial.replace(target)
    return target
