"""Build ``datasets/speech/``: the spoken digits zero..nine synthesised offline with eSpeak NG.

No PyPI or Debian package ships human recordings of spoken digits, so the course makes its own: eSpeak NG
(a formant synthesiser; the ``espeakng-loader`` wheel carries the library and its voice data) says each
digit with many *voices*. A voice is one eSpeak "variant" (``m3``, ``f2``, ``croak``, ``klatt4``,
``whisper``, ...: pitch, formants, breathiness, voicing source) combined with an English accent
(``en-us``, ``en-gb-scotland``, ``en-029``, ...). Every clip also gets a random speaking rate, pitch, pitch
range, loudness and silence before and after the word. Variants are split voice-disjointly: a variant used
in ``test`` is never heard in ``train`` or ``validation``.

Output (all clips at 8 kHz, mono, like the Free Spoken Digit Dataset):

* ``speech/digits_8k.flac`` -- every clip, concatenated, int16 FLAC (lossless);
* ``speech/clips.csv`` -- one row per clip: where it starts in the FLAC, its length, digit, split,
  where the word starts and how long it is, voice, the synthesis settings, and the seed and SNR of
  its background noise.

Background noise is part of each clip's definition but is *not* stored: white noise costs ~8 bits per
sample in any lossless format and would triple the file. ``lstm_course.data.speech.load_speech`` adds it
deterministically from the seed and SNR in ``clips.csv`` (``noise=False`` gives the clean clips).

Run from the repository root (needs ``pip install -r datasets/requirements-build.txt``)::

    python datasets/build_speech.py

The script is seeded: voices, splits, accents, rates, pitches, loudness, offsets and noise seeds are the
same on every run. The waveforms themselves are *not* bit-identical between runs: eSpeak NG carries
internal state from one utterance to the next and some variants (echo, breath) differ between processes,
so a rebuild gives an equivalent set whose sha256 differs. The shipped files and their sha256 in
datasets/README.md are the reference. The script prints the sha256 of both files.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20260501
SAMPLE_RATE = 8000
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: English accents of eSpeak NG 1.52 (language voices); every variant speaks with a random one.
ACCENTS = (
    "en",
    "en-us",
    "en-us-nyc",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
)
#: Shipped variants that do not sound like a human speaker: always in train (extra variety), never held out.
TRAIN_ONLY = (
    "whisper",
    "whisperf",
    "Demonic",
    "UniRobot",
    "anikaRobot",
    "robosoft",
    "robosoft2",
    "robosoft3",
    "robosoft4",
    "robosoft5",
    "robosoft6",
    "robosoft7",
    "robosoft8",
)
#: Shipped (hand-made) variants held out for validation and for test; the other shipped ones train.
N_VALIDATION_VOICES = 12
N_TEST_VOICES = 14
#: Extra training voices: random variant files (vocal-tract scale, formants, pitch, voicing, Klatt source).
N_RANDOM_VOICES = 80
#: Renditions (random accent / rate / pitch / loudness / offsets) of each digit per voice and split.
RENDITIONS = {"train": 1, "validation": 1, "test": 2}
RATE_WPM = (120, 230)  # eSpeak speaking rate, words per minute
PITCH = (15, 85)  # eSpeak base pitch 0..100
PITCH_RANGE = (10, 90)  # eSpeak pitch range 0..100
PEAK = (0.02, 0.15)  # peak amplitude of the stored clip, fraction of int16 full scale
SILENCE_S = (0.02, 0.25)  # silence before and after the word, seconds (each)
SNR_DB = (15.0, 35.0)  # background white noise, added by the loader

OUT_DIR = Path(__file__).resolve().parent / "speech"
AUDIO_FILE = "digits_8k.flac"
INDEX_FILE = "clips.csv"
CSV_FIELDS = (
    "clip",
    "start",
    "length",
    "digit",
    "word",
    "split",
    "word_start",
    "word_length",
    "voice",
    "variant",
    "accent",
    "rate_wpm",
    "pitch",
    "pitch_range",
    "noise_seed",
    "snr_db",
)


class ESpeak:
    """Minimal ctypes binding of libespeak-ng: synchronous synthesis into a NumPy array."""

    _CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
    AUDIO_OUTPUT_SYNCHRONOUS = 2
    RATE, PITCH, RANGE = 1, 3, 4  # espeak_PARAMETER

    def __init__(self, data_path: Path | None = None) -> None:
        """Load the library; ``data_path`` is an ``espeak-ng-data`` folder (default: the wheel's)."""
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.data_path = Path(data_path or espeakng_loader.get_data_path())
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.sample_rate = self.lib.espeak_Initialize(self.AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path).encode(), 0)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self._chunks: list[np.ndarray] = []

        def collect(wav, n, _events):  # type: ignore[no-untyped-def]
            if n > 0:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0

        self._callback = self._CALLBACK(collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def variants(self) -> list[str]:
        """Names of the voice variants shipped with the library (files in ``voices/!v``)."""
        folder = self.data_path / "voices" / "!v"
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("_"))

    def say(self, text: str, voice: str, rate: int, pitch: int, pitch_range: int) -> np.ndarray:
        """Synthesise ``text`` with ``voice`` (``"en-us+f3"``); return int16 samples at ``sample_rate``."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG does not know the voice {voice!r}")
        self.lib.espeak_SetParameter(self.RATE, rate, 0)
        self.lib.espeak_SetParameter(self.PITCH, pitch, 0)
        self.lib.espeak_SetParameter(self.RANGE, pitch_range, 0)
        self._chunks.clear()
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)


def random_variant(name: str, rng: np.random.Generator) -> str:
    """Text of an eSpeak NG variant file describing a random voice.

    One vocal-tract factor scales all formant frequencies (0.8 = long tract, 1.45 = child), each formant
    jitters around it, and pitch, pitch range, flutter, voicing, roughness and (sometimes) the Klatt
    voice source are random.
    """
    tract = float(np.exp(rng.uniform(np.log(0.78), np.log(1.5))))
    base = float(np.clip(rng.normal(110, 20) * tract**2.2, 60, 400))
    lines = [
        "language variant",
        f"name {name}",
        f"pitch {base:.0f} {base * rng.uniform(1.2, 1.9):.0f}",
        f"flutter {rng.integers(0, 25)}",
        f"voicing {rng.integers(40, 150)}",
        f"roughness {rng.integers(0, 5)}",
    ]
    for k in range(9):
        freq = 100 * tract * rng.uniform(0.92, 1.08)
        lines.append(f"formant {k} {freq:.0f} {rng.integers(70, 130)} {rng.integers(70, 140)}")
    if rng.random() < 0.3:
        lines.append(f"klatt {rng.integers(1, 7)}")
    return "\n".join(lines) + "\n"


def add_random_variants(data_path: Path, rng: np.random.Generator) -> list[str]:
    """Write ``N_RANDOM_VOICES`` random variant files ``rnd000...`` into ``data_path/voices/!v``."""
    names = [f"rnd{i:03d}" for i in range(N_RANDOM_VOICES)]
    for name in names:
        (data_path / "voices" / "!v" / name).write_text(random_variant(name, rng))
    return names


@dataclass
class Clip:
    audio: np.ndarray
    row: dict[str, object]


def trim(x: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Cut the synthesiser's leading and trailing silence (samples below ``threshold`` x peak)."""
    loud = np.flatnonzero(np.abs(x) > threshold * np.max(np.abs(x)))
    return x[loud[0] : loud[-1] + 1]


def split_variants(variants: list[str], rng: np.random.Generator) -> dict[str, str]:
    """Assign every variant to one split (voice-disjoint); random and non-human voices only train."""
    order = [v for v in rng.permutation(variants) if v not in TRAIN_ONLY and not v.startswith("rnd")]
    test = order[:N_TEST_VOICES]
    validation = order[N_TEST_VOICES : N_TEST_VOICES + N_VALIDATION_VOICES]
    return {v: "test" if v in test else "validation" if v in validation else "train" for v in variants}


def synthesise(engine: ESpeak, rng: np.random.Generator) -> list[Clip]:
    """Synthesise every clip; returns them in split, voice, rendition, digit order."""
    from scipy.signal import resample_poly

    variants = engine.variants()
    split_of = split_variants(variants, rng)
    if engine.sample_rate % 50 or SAMPLE_RATE % 50:
        raise RuntimeError("unexpected sample rate")
    g = np.gcd(engine.sample_rate, SAMPLE_RATE)
    up, down = SAMPLE_RATE // g, engine.sample_rate // g
    clips: list[Clip] = []
    for split in ("train", "validation", "test"):
        for variant in sorted(v for v, s in split_of.items() if s == split):
            for _ in range(RENDITIONS[split]):
                for digit, word in enumerate(DIGITS):
                    accent = ACCENTS[rng.integers(len(ACCENTS))]
                    rate = int(rng.integers(*RATE_WPM, endpoint=True))
                    pitch = int(rng.integers(*PITCH, endpoint=True))
                    prange = int(rng.integers(*PITCH_RANGE, endpoint=True))
                    raw = engine.say(word, f"{accent}+{variant}", rate, pitch, prange)
                    raw = raw.astype(np.float64)
                    x = trim(resample_poly(raw, up, down))
                    x *= rng.uniform(*PEAK) * 32767 / np.max(np.abs(x))
                    before, after = (int(rng.uniform(*SILENCE_S) * SAMPLE_RATE) for _ in range(2))
                    word_length = len(x)
                    x = np.concatenate([np.zeros(before), x, np.zeros(after)])
                    audio = np.clip(np.round(x), -32768, 32767).astype(np.int16)
                    row = {
                        "digit": digit,
                        "word": word,
                        "split": split,
                        "word_start": before,
                        "word_length": word_length,
                        "voice": variant,
                        "variant": variant,
                        "accent": accent,
                        "rate_wpm": rate,
                        "pitch": pitch,
                        "pitch_range": prange,
                        "noise_seed": int(rng.integers(2**31 - 1)),
                        "snr_db": round(float(rng.uniform(*SNR_DB)), 2),
                    }
                    clips.append(Clip(audio, row))
    return clips


def write(
    clips: list[Clip],
    out_dir: Path = OUT_DIR,
    audio_file: str = AUDIO_FILE,
    index_file: str = INDEX_FILE,
    fields: tuple[str, ...] = CSV_FIELDS,
) -> dict[str, str]:
    """Write the FLAC and the CSV index (``fields`` after clip, start, length); return ``{file name: sha256}``."""
    import soundfile as sf

    out_dir.mkdir(parents=True, exist_ok=True)
    start = 0
    rows = []
    for i, clip in enumerate(clips):
        rows.append({"clip": i, "start": start, "length": len(clip.audio), **clip.row})
        start += len(clip.audio)
    buffer = io.BytesIO()
    sf.write(
        buffer,
        np.concatenate([c.audio for c in clips]),
        SAMPLE_RATE,
        format="FLAC",
        subtype="PCM_16",
        compression_level=1.0,
    )
    (out_dir / audio_file).write_bytes(buffer.getvalue())
    with open(out_dir / index_file, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {name: hashlib.sha256((out_dir / name).read_bytes()).hexdigest() for name in (audio_file, index_file)}


def summary(clips: list[Clip]) -> str:
    """Voices and clips per split, for datasets/README.md."""
    lines = []
    for split in ("train", "validation", "test"):
        rows = [c for c in clips if c.row["split"] == split]
        voices = sorted({str(c.row["voice"]) for c in rows})
        seconds = sum(len(c.audio) for c in rows) / SAMPLE_RATE
        lines.append(
            f"{split}: {len(voices)} voices, {len(rows)} clips ({len(rows) // 10} per digit), "
            f"{seconds:.0f} s; voices: {', '.join(voices)}"
        )
    return "\n".join(lines)


def main() -> int:
    import shutil
    import tempfile

    import espeakng_loader

    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "espeak-ng-data"
        shutil.copytree(espeakng_loader.get_data_path(), data_path)
        add_random_variants(data_path, rng)
        clips = synthesise(ESpeak(data_path), rng)
    hashes = write(clips)
    print(summary(clips))
    for name, digest in hashes.items():
        size = (OUT_DIR / name).stat().st_size
        print(f"{name}: {size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
